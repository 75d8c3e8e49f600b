import { it } from 'vitest';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { startTestHost } from './testhost.js';
it('hold a host', async () => {
  rmSync('/tmp/mw-host-stop', { force: true });
  const h = await startTestHost();
  writeFileSync('/tmp/mw-host-id', h.id);
  while (!existsSync('/tmp/mw-host-stop')) await new Promise(r => setTimeout(r, 200));
  await h.stop();
}, 3_600_000);
