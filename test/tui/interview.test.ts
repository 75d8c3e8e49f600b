/**
 * The interview in a real terminal: with no answers file, `mail-wizard plan` asks the questions
 * one at a time (enquirer), refuses a bad value as it is typed, offers defaults, saves the answers
 * (mode 0600) and goes on to the checklist; a rerun asks nothing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { tempDir } from '../support/tmp.js';
import { maskScreen, Tmux, tmuxAvailable } from './tmux.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(REPO, 'dist/src/cli.js');
const same = (s: string) => s;
/** The finished dry-run: its summary line, and the key bar that offers q to exit. */
const DONE = new RegExp(`Dry-run: \\d+ of ${STEPS.length} steps would change something[\\s\\S]*q exit`);

describe.runIf(tmuxAvailable())('the interview', () => {
  const tmux = new Tmux();
  let root = '';
  afterAll(async () => {
    await tmux.kill();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('asks, validates while typing, saves, and a rerun does not ask again', async () => {
    root = await tempDir('mail-wizard-interview-');
    // Port 9 on loopback: the plan's DNS step asks nothing beyond this machine.
    const argv = ['node', CLI, 'plan', '--root', root, '--platform', 'debian', '--nameserver', '127.0.0.1:9'];
    await tmux.start('ask', argv, REPO);
    const answer = async (question: RegExp, text: string) => {
      await tmux.waitFor('ask', question, same);
      if (text) await tmux.keys('ask', '-l', text);
      await tmux.keys('ask', 'Enter');
    };
    const first = await tmux.waitFor('ask', /Mail domain/, same);
    expect(first).toContain('SPF, DKIM and DMARC are published at this name.');
    await answer(/Mail domain/, 'example.net');
    await answer(/Server host name/, ''); // the default: mail.example.net
    await tmux.waitFor('ask', /Public IPv4 address/, same);
    await tmux.keys('ask', '-l', '123.456.78.9');
    await tmux.keys('ask', 'Enter');
    const refused = await tmux.waitFor('ask', /is not an IPv4 address/, same);
    expect(refused).toContain('"123.456.78.9" is not an IPv4 address');
    await tmux.keys('ask', 'C-u');
    for (let i = 0; i < 12; i++) await tmux.keys('ask', 'BSpace');
    await answer(/Public IPv4 address/, '198.51.100.7');
    await answer(/Public IPv6 address/, '');
    await answer(/Local users/, 'carol, dave');
    for (const q of [/Who reads postmaster/, /DKIM selector/, /DMARC policy/, /DMARC aggregate reports/, /TLS certificate \(acme/, /MTA-STS/]) await answer(q, '');
    // q quits the finished summary; pressed while the dry-run still runs it would stop it (exit 1).
    await tmux.waitFor('ask', DONE, maskScreen, 60_000);
    await tmux.keys('ask', 'q');
    expect(await tmux.waitForExit('ask')).toBe(0);

    const file = path.join(root, 'etc/mail-wizard.json');
    expect(((await fs.stat(file)).mode & 0o777).toString(8)).toBe('600');
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ domain: 'example.net', hostname: 'mail.example.net', ipv4: '198.51.100.7', users: ['carol', 'dave'], postmaster: 'carol', dmarcPolicy: 'quarantine', tls: { mode: 'acme' }, mtaSts: 'testing' });

    await tmux.start('again', argv, REPO);
    const screen = await tmux.waitFor('again', DONE, maskScreen, 60_000);
    expect(screen).not.toContain('Mail domain');
    await tmux.keys('again', 'q');
    expect(await tmux.waitForExit('again')).toBe(0);
  }, 120_000);
});
