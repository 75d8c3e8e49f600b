/** Temporary directories that tests create and remove. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export async function tempDir(prefix = 'mail-wizard-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Every file under dir with its content and mode: a before/after picture of a tree. */
export async function treeSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string) {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      const rel = path.relative(dir, p);
      const st = await fs.lstat(p);
      if (entry.isDirectory()) {
        out[`${rel}/`] = `dir ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`;
        await walk(p);
      } else out[rel] = `${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${await fs.readFile(p, 'base64')}`;
    }
  }
  await walk(dir);
  return out;
}
