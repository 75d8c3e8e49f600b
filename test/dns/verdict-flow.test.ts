/**
 * The verdict when it cannot judge: no mailbox to read the message back from, a sendmail that
 * refuses it (false(1)), one that accepts it and nothing arrives (true(1)), and input that cannot
 * work (exit 2). A rooted host over a temp dir; the commands are this machine's own.
 */
import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/answers/input-error.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { verdictCheck, verdictDeliveryCheck } from '../../src/delivery/verdict.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { tempDir } from '../support/tmp.js';
import { fakeServer } from './fake-servers.js';

describe('the verdict without a verdict', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir('mw-verdict-');
    await fs.mkdir(`${root}/etc`, { recursive: true });
    await fs.mkdir(`${root}/home/alice/Maildir/new`, { recursive: true });
    await fs.writeFile(`${root}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  });
  afterEach(async () => fs.rm(root, { recursive: true, force: true }));

  const answers = { ...DEMO_ANSWERS, users: ['alice'], postmaster: 'alice' };
  const run = (sendmail: string, extra: Partial<Parameters<typeof verdictCheck>[0]> = {}) =>
    verdictCheck({ host: rootedHost(root, { exec: 'host' }), platform: { ...debian, bin: { ...debian.bin, sendmail } }, answers, resolvConf: 'nameserver 127.0.0.1\n', timeoutMs: 1500, ...extra });

  it('no account for the reader: fail, naming the user and the step that makes it', async () => {
    await fs.writeFile(`${root}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n');
    const r = await run('/bin/true');
    expect(r).toMatchObject({ id: 'verdict', status: 'fail', summary: 'no local mailbox to read the test message back from (no user alice)', fix: 'Run `mail-wizard repair` (users step).', lines: [] });
  });

  it('sendmail refuses the message: fail, with what it said', async () => {
    const r = await run('/bin/false');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('sendmail did not accept the test message');
    expect(r.evidence).toBe('/bin/false -f postmaster@example.org alice@example.org: exit code 1');
  });

  it('a root that holds no system to run sendmail in: not checked (warn), never a failure of the server', async () => {
    const r = await verdictCheck({ host: rootedHost(root, { exec: 'none' }), platform: debian, answers, resolvConf: 'nameserver 127.0.0.1\n', timeoutMs: 1500 });
    expect(r).toMatchObject({ status: 'warn', summary: 'not checked: no message can be sent on this host' });
  });

  it('accepted, but nothing arrives in time: fail, naming the Message-ID to look for', async () => {
    const started = Date.now();
    const r = await run('/bin/true');
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/^the test message to alice@example\.org did not arrive in \/home\/alice\/Maildir before the time budget ran out, so it could not be judged$/);
    expect(r.evidence).toMatch(/^Message-ID <verdict-[0-9a-f]{16}@mail\.example\.org>$/);
    // the budget bounds the wait, not the 30 s delivery allowance
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a message filed into Junk is found there and judged (unsigned: DKIM fails; silent servers: SPF and DMARC undecided)', async () => {
    const silent = await fakeServer(() => undefined);
    try {
      // a local delivery agent of its own: the message, as handed over, into ~/Maildir/.Junk/cur (read, flagged seen)
      const junk = `${root}/home/alice/Maildir/.Junk/cur`;
      await fs.mkdir(junk, { recursive: true });
      await fs.writeFile(`${root}/deliver`, `#!/bin/sh\ncat > '${junk}/'"$(date +%s)"'.M1P1.mail:2,S'\n`, { mode: 0o755 });
      const r = await run(`${root}/deliver`, { nameservers: [`127.0.0.1:${silent.port}`], queryTimeoutMs: 200, timeoutMs: 20_000, answers: { ...answers, relayHost: 'smtp.relay.example:587' } as typeof answers });
      expect(r.evidence).toContain('mail leaves through the relay host smtp.relay.example:587: receivers see its address');
      expect(r.status).toBe('fail');
      expect(r.summary).toMatch(/; failing: DKIM; not decided: SPF, DMARC$/);
      expect(r.evidence).toContain('DKIM: the message carries no DKIM signature: rspamd did not sign it');
      expect(r.evidence).toContain('SPF: the SPF record of example.org could not be read');
      expect(r.lines).toEqual([{ ip: answers.ipv4, spf: 'temperror', dkim: 'none', dmarc: 'temperror' }, ...(answers.ipv6 ? [{ ip: answers.ipv6, spf: 'temperror', dkim: 'none', dmarc: 'temperror' }] : [])]);
    } finally {
      await silent.close();
    }
  });

  it("as one of check delivery's checks: the run's budget, already spent, ends the wait at once, and says so", async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const check = verdictDeliveryCheck();
    const started = Date.now();
    const r = await check.run({ host: rootedHost(root, { exec: 'host' }), platform: { ...debian, bin: { ...debian.bin, sendmail: '/bin/true' } }, answers, nameservers: ['127.0.0.1:5353'], signal: ctrl.signal });
    expect(check.id).toBe('verdict');
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('the test message to alice@example.org did not arrive in /home/alice/Maildir before the time budget ran out, so it could not be judged');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    [{ from: 'x@example.org\r\nBcc: y@example.net' }, '--from "x@example.org\\r\\nBcc: y@example.net": not an address of the form user@domain.example'],
    [{ nameservers: ['127.0.0.1:0'] }, '--nameserver 127.0.0.1:0: the port 0 is out of range (1-65535)'],
  ])('bad input %j is an InputError (exit 2), before anything is sent', async (extra, line) => {
    // a sendmail that leaves a trace when it runs
    const marker = `${root}/sent`;
    await fs.writeFile(`${root}/sendmail`, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    const err = await run(`${root}/sendmail`, extra).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).lines).toEqual([line]);
    await expect(fs.stat(marker)).rejects.toThrow();
  });
});
