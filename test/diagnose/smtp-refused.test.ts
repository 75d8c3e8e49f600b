/**
 * sendmail's "550 Invalid recipient" on the final mail test is smtpd's answer, not a DNS failure:
 * the catalogue names the alias line or the account that is missing, read from the files of a
 * rooted host (the stack suite, test/stack/repair.test.ts, meets it on a running server).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { likelyCause } from '../../src/diagnose/index.js';
import { createContext } from '../../src/engine/context.js';
import type { Finding } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { tempDir } from '../support/tmp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir('mw-refused-');
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const ctx = () =>
  createContext({ answers: { ...DEMO_ANSWERS, users: ['alice'], postmaster: 'alice' }, platform: debian, host: rootedHost(root, { exec: 'host' }), mode: 'repair', facts: {}, runId: 'refused' });
const refused = (to: string): Finding => ({
  status: 'fail',
  check: 'mail-test.send',
  summary: `sendmail did not accept the test message to ${to}`,
  evidence: `sendmail: command failed: 550 Invalid recipient: <${to}>`,
});

describe('a recipient smtpd refuses', () => {
  it('postmaster@ without its alias line: the line to put back is named', async () => {
    await fs.writeFile(path.join(root, 'etc/aliases'), 'abuse: postmaster\nroot: postmaster\n');
    const cause = await likelyCause(refused(`postmaster@${DEMO_ANSWERS.domain}`), ctx());
    expect(cause).toMatchObject({ id: 'recipient-refused', fix: 'Put the line "postmaster: alice" back in /etc/aliases, then run `mail-wizard repair` (it restarts smtpd onto the file).' });
  });

  it('postmaster@ with its line, read by smtpd before it was there: a restart', async () => {
    await fs.writeFile(path.join(root, 'etc/aliases'), 'postmaster: alice\n');
    const cause = await likelyCause(refused(`postmaster@${DEMO_ANSWERS.domain}`), ctx());
    expect(cause).toMatchObject({ id: 'recipient-refused', fix: 'Run `mail-wizard repair`: it restarts smtpd onto the file.' });
  });

  it('a user without an account: the users step', async () => {
    const cause = await likelyCause(refused(`carol@${DEMO_ANSWERS.domain}`), ctx());
    expect(cause).toMatchObject({ id: 'recipient-refused', cause: expect.stringContaining('there is no account carol') });
  });

  it('a refusal of another kind is not this cause', async () => {
    const other = { ...refused(`alice@${DEMO_ANSWERS.domain}`), evidence: 'sendmail: command failed: 451 Temporary failure' };
    expect((await likelyCause(other, ctx()))?.id).not.toBe('recipient-refused');
  });
});
