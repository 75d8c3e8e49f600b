/**
 * `user` and `alias` through the real CLI, on a rooted tree whose /etc/passwd is the host's account
 * list: every refusal is exit 2 and one line naming the value, and the answers file is left as it
 * was (no backup made, nothing half-saved). The lists print the answers' users and aliases.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

vi.setConfig({ testTimeout: 60_000 });

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'redis:x:101:104::/var/lib/redis:/usr/sbin/nologin',
  'alice:x:1000:1000::/home/alice:/bin/sh',
  'bob:x:1001:1001::/home/bob:/bin/sh',
].join('\n');
const ANSWERS = { ...DEMO_ANSWERS, aliases: { sales: ['bob'] } };

let dir: string;
let root: string;
let answers: string;
let saved: string;
beforeAll(async () => {
  dir = await tempDir('mail-wizard-people-');
  root = path.join(dir, 'root');
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/passwd'), `${PASSWD}\n`);
  await fs.writeFile(path.join(root, 'etc/aliases'), 'mailer-daemon: postmaster\n');
  answers = path.join(dir, 'answers.json');
  saved = `${JSON.stringify(ANSWERS, null, 2)}\n`;
  await fs.writeFile(answers, saved);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const run = (args: string[], input?: string) => cli([...args, '--root', root, '--platform', 'debian', '--answers', answers], input !== undefined ? { input } : {});

describe('refusals: exit 2, one clear line, the answers untouched', () => {
  it.each([
    [['user', 'add', 'daemon'], 'user add: "daemon" is a system account on this host (uid 1, shell /usr/sbin/nologin); pick another name'],
    [['user', 'add', 'redis'], 'user add: "redis" is a system account on this host (uid 101, shell /usr/sbin/nologin); pick another name'],
    [['user', 'add', 'Bob'], 'user add: "Bob" is not a valid user name (lower case letters, digits, _ and -, at most 32)'],
    [['user', 'add', 'bob'], 'user add: user "bob" already exists in the answers (mail-wizard user list)'],
    [['user', 'add', 'sales'], 'user add: "sales" is already an alias (of bob): remove it first (mail-wizard alias remove sales)'],
    [['user', 'add', 'mailer-daemon'], 'user add: "mailer-daemon" is an alias in /etc/aliases already; pick another name or remove that line'],
    [['user', 'add'], 'user add: give exactly one user name (user add NAME [--password-stdin] | user remove NAME [--purge-mail] | user list [--json])'],
    [['user', 'remove', 'alice'], `user remove: "alice" reads postmaster@ mail: set "postmaster" in ${'ANSWERS'} to someone else first`],
    [['user', 'remove', 'bob'], 'user remove: "bob" is the target of the alias sales: remove or change it first (mail-wizard alias remove NAME)'],
    [['user', 'remove', 'zed'], 'user remove: "zed" is not a mail user (users: alice, bob)'],
    [['user', 'frob'], 'user: unknown action "frob" (user add NAME [--password-stdin] | user remove NAME [--purge-mail] | user list [--json])'],
    [['alias', 'add', 'sales', 'alice'], 'alias add: alias "sales" already exists (of bob): remove it first to change it'],
    [['alias', 'add', 'support', 'zed'], 'alias add: target "zed" is neither one of the users (alice, bob) nor an alias: a removed user? Remove or change the alias first'],
    [['alias', 'add', 'www-data', 'bob'], 'alias add: "www-data" is an account on this host (uid 33): its mail would go to the alias instead; pick another name'],
    [['alias', 'add', 'alice', 'bob'], 'alias add: "alice" is a mail user: a name is either a user or an alias'],
    [['alias', 'add', 'abuse', 'bob'], 'alias add: "abuse" is one of mail-wizard\'s own aliases (postmaster, abuse, hostmaster, root, tlsrpt); set postmaster in the answers instead'],
    [['alias', 'add', 'tlsrpt', 'bob'], 'alias add: "tlsrpt" is one of mail-wizard\'s own aliases (postmaster, abuse, hostmaster, root, tlsrpt); set postmaster in the answers instead'],
    [['alias', 'add', 'support'], 'alias add: give a name and at least one target (alias add NAME TARGET... | alias remove NAME | alias list [--json])'],
    [['alias', 'remove', 'postmaster'], 'alias remove: "postmaster" is one of mail-wizard\'s own aliases (postmaster, abuse, hostmaster, root, tlsrpt): they must reach a person'],
    [['alias', 'remove', 'support'], 'alias remove: "support" is not an alias of the answers (aliases: sales)'],
    [['alias', 'add', 'support', 'bob', '--purge-mail'], '--password-stdin and --purge-mail go with user'],
    [['user', 'remove', 'bob', '--password-stdin'], '--password-stdin goes with user add'],
    [['user', 'add', 'carol', '--dry-run'], 'user: --dry-run and --format are for setup, repair and plan; `user list` changes nothing'],
    [['alias', 'add', 'support', 'bob', '--dry-run'], 'alias: --dry-run and --format are for setup, repair and plan; `alias list` changes nothing'],
  ])('%j', async (args, line) => {
    const r = await run(args);
    expect(r.stderr).toBe(`mail-wizard: ${line.replace('ANSWERS', answers)}`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await fs.readFile(answers, 'utf8')).toBe(saved);
    await expect(fs.stat(`${answers}.bak`)).rejects.toThrow();
  });

  it('--password-stdin: an empty or multi-line password is refused, and the value is never printed', async () => {
    const empty = await run(['user', 'add', 'carol', '--password-stdin'], '');
    expect(empty.stderr).toBe('mail-wizard: --password-stdin: the password is empty');
    expect(empty.code).toBe(2);
    const twoLines = await run(['user', 'add', 'carol', '--password-stdin'], 'first-Secret-1\nsecond-Secret-2');
    expect(twoLines.stderr).toBe('mail-wizard: --password-stdin: the password must be one line (no line breaks or NUL)');
    expect(twoLines.code).toBe(2);
    // A refused name after a good password: the password is not in the error either.
    const refused = await run(['user', 'add', 'daemon', '--password-stdin'], 'Good-Secret-3');
    expect(refused.code).toBe(2);
    expect(refused.stderr + refused.stdout).not.toContain('Good-Secret-3');
  });

  it('a user who receives the DMARC reports is not removed', async () => {
    const reports = path.join(dir, 'reports.json');
    await fs.writeFile(reports, JSON.stringify({ ...DEMO_ANSWERS, dmarcReports: 'bob@example.org' }));
    const r = await cli(['user', 'remove', 'bob', '--root', root, '--platform', 'debian', '--answers', reports]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mail-wizard: user remove: "bob" receives the DMARC reports: set "dmarcReports" in ${reports} to another address first`);
  });

  it('an answers file whose alias points at a user no longer there is refused, naming both', async () => {
    const stale = path.join(dir, 'stale.json');
    await fs.writeFile(stale, JSON.stringify({ ...ANSWERS, users: ['alice'] }));
    const r = await cli(['user', 'list', '--answers', stale]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mail-wizard: ${stale}: aliases.sales: "bob" is neither one of the users (alice) nor an alias: a removed user? Remove or change the alias first`);
  });
});

describe('lists', () => {
  it('user list: each user and every address that reaches them; --json the same as data', async () => {
    const plain = await run(['user', 'list']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^alice {2}alice@example\.org, abuse@example\.org, .*postmaster@example\.org/m);
    expect(plain.stdout).toMatch(/^bob {4}bob@example\.org, sales@example\.org$/m);
    const json = JSON.parse((await run(['user', 'list', '--json'])).stdout) as { users: { name: string; addresses: string[] }[] };
    expect(json.users.find((u) => u.name === 'bob')?.addresses).toEqual(['bob@example.org', 'sales@example.org']);
  });

  it('alias list: the answers\' aliases and the wizard\'s own, marked', async () => {
    const plain = await run(['alias', 'list']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^sales +bob$/m);
    expect(plain.stdout).toMatch(/^postmaster +alice {2}\(mail-wizard\)$/m);
    const json = JSON.parse((await run(['alias', 'list', '--json'])).stdout) as { aliases: { name: string; targets: string[]; keptBy: string }[] };
    expect(json.aliases).toContainEqual({ name: 'sales', targets: ['bob'], keptBy: 'answers' });
    expect(json.aliases).toContainEqual({ name: 'dmarc-reports', targets: ['postmaster'], keptBy: 'mail-wizard' });
  });
});
