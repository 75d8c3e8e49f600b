/**
 * One wizard at a time on a machine: two runs writing the same files and restarting the same
 * daemons would leave a mess. The lock file holds the pid; a lock whose process is gone is stale.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export class LockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws LockedError naming the running pid; returns the release function. */
export async function acquireLock(file: string): Promise<() => Promise<void>> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LockedError(`another mail-wizard is running (pid ${pid}, ${file}); wait for it to finish`);
      }
      await fs.rm(file, { force: true }); // stale: its process is gone
    }
  }
  throw new LockedError(`cannot take the lock ${file}`);
}
