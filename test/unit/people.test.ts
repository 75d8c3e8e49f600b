/**
 * People and addresses, below the CLI: the aliases field of the answers (an alias to a removed
 * user is caught), the names a new user or alias may not take (the host's own accounts, read from
 * its /etc/passwd), the users step's password action, and a secret input that no event, plan,
 * JSON line, shell export or failure line shows, while the command itself gets it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { validateAnswers } from '../../src/answers/validate.js';
import { createContext } from '../../src/engine/context.js';
import type { RunnerEvent } from '../../src/engine/events.js';
import { runSteps } from '../../src/engine/runner.js';
import { planToShell } from '../../src/engine/shell-export.js';
import type { AnyStep, Context } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { aliasNameProblem, parsePasswd, userNameProblem, type HostNames } from '../../src/people/names.js';
import { checkPassword } from '../../src/people/password.js';
import { jsonRenderer } from '../../src/ui/json/renderer.js';
import { plainRenderer } from '../../src/ui/plain/renderer.js';
import { renderAliases } from '../../recipes/templates/aliases.js';
import { sendersFor } from '../../recipes/templates/senders.js';
import { usersStep } from '../../recipes/users.js';
import { tempDir } from '../support/tmp.js';

const PASSWORD = 'Sw0rdfish-unit-5c2e';

/** users.password is broken here for real (a locked or missing password in the shadow file) and its fix shown. */
export const REPAIR_COVERS = ['users.password'] as const;

describe('the aliases field of the answers', () => {
  const raw = (aliases: unknown) => ({ ...DEMO_ANSWERS, aliases });
  const errors = (aliases: unknown) => {
    const r = validateAnswers(raw(aliases));
    return r.ok ? [] : r.errors;
  };

  it('is kept, and reaches the aliases table and the senders table', () => {
    const r = validateAnswers(raw({ sales: ['bob'], team: ['sales', 'carol@elsewhere.test'] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.answers.aliases).toEqual({ sales: ['bob'], team: ['sales', 'carol@elsewhere.test'] });
    const table = renderAliases(null, r.answers);
    expect(table).toMatch(/^sales: bob$/m);
    expect(table).toMatch(/^team: sales, carol@elsewhere\.test$/m);
    expect(sendersFor(r.answers, table).get('bob')).toEqual(expect.arrayContaining(['bob@example.org', 'sales@example.org', 'team@example.org']));
  });

  it('catches an alias to a removed user, by name and by address at our domain', () => {
    expect(errors({ sales: ['carol'] })).toEqual([
      'aliases.sales: "carol" is neither one of the users (alice, bob) nor an alias: a removed user? Remove or change the alias first',
    ]);
    expect(errors({ sales: ['carol@example.org'] })[0]).toMatch(/^aliases\.sales: "carol@example\.org" is neither one of the users/);
  });

  it('refuses names that are users or the wizard\'s own, bad names, loops and empty lists, one line each', () => {
    expect(errors({ bob: ['alice'] })).toEqual(['aliases: "bob" is also a user: a name is either a user or an alias']);
    expect(errors({ postmaster: ['bob'] })[0]).toMatch(/^aliases: "postmaster" is one of mail-wizard's own aliases/);
    expect(errors({ 'Sales|x': ['bob'] })[0]).toMatch(/^aliases: "Sales\|x" is not a valid alias name/);
    expect(errors({ a: ['b'], b: ['a'] })).toEqual(['aliases.a: reaches itself through other aliases (a loop)']);
    expect(errors({ sales: [] })).toEqual(['aliases.sales: [] must be a non-empty list of users or addresses']);
    expect(errors({ sales: ['|/bin/sh'] })[0]).toMatch(/^aliases\.sales: "\|\/bin\/sh" is neither/);
    expect(errors(['sales'])[0]).toMatch(/^aliases: \["sales"\] must be an object/);
  });
});

describe('names a new user or alias may not take', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    '_rspamd:*:599:599:Rspamd:/var/rspamd:/sbin/nologin',
    'opensmtpd:x:105:110::/nonexistent:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    'svc:x:1500:1500::/home/svc:/usr/sbin/nologin',
    'erin:x:1002:1002::/home/erin:/bin/sh',
  ].join('\n');
  const names: HostNames = { accounts: parsePasswd(passwd), tableAliases: new Map([['mailer-daemon', ['postmaster']]]) };
  const answers = { ...DEMO_ANSWERS, aliases: { sales: ['bob'] } };

  it('refuses the host\'s system accounts, read from its passwd (not a list of ours only)', () => {
    // root is refused before that: root's mail goes to the postmaster (one of the wizard's aliases).
    expect(userNameProblem('root', answers, names, debian)).toMatch(/^"root" is one of mail-wizard's own aliases/);
    for (const name of ['daemon', 'opensmtpd', 'nobody', 'svc']) {
      expect(userNameProblem(name, answers, names, debian), name).toMatch(new RegExp(`^"${name}" is a system account on this host \\(uid \\d+`));
    }
    expect(userNameProblem('_rspamd', answers, names, openbsd)).toMatch(/^"_rspamd" is a system account/);
  });

  it('refuses users, aliases and the wizard\'s own names; adopts a person\'s existing account', () => {
    expect(userNameProblem('bob', answers, names, debian)).toBe('user "bob" already exists in the answers (mail-wizard user list)');
    expect(userNameProblem('sales', answers, names, debian)).toMatch(/^"sales" is already an alias \(of bob\): remove it first/);
    expect(userNameProblem('abuse', answers, names, debian)).toMatch(/mail-wizard's own aliases/);
    expect(userNameProblem('dmarc-reports', answers, names, debian)).toMatch(/mail-wizard's own aliases/);
    expect(userNameProblem('mailer-daemon', answers, names, debian)).toBe('"mailer-daemon" is an alias in /etc/aliases already; pick another name or remove that line');
    expect(userNameProblem('erin', answers, names, debian)).toBeNull();
    expect(userNameProblem('frank', answers, names, debian)).toBeNull();
  });

  it('refuses an alias named like any account of the host, a user or an existing alias', () => {
    expect(aliasNameProblem('erin', answers, names, debian)).toBe('"erin" is an account on this host (uid 1002): its mail would go to the alias instead; pick another name');
    expect(aliasNameProblem('daemon', answers, names, debian)).toMatch(/^"daemon" is an account on this host/);
    expect(aliasNameProblem('alice', answers, names, debian)).toBe('"alice" is a mail user: a name is either a user or an alias');
    expect(aliasNameProblem('sales', answers, names, debian)).toBe('alias "sales" already exists (of bob): remove it first to change it');
    expect(aliasNameProblem('support', answers, names, debian)).toBeNull();
  });
});

describe('passwords', () => {
  it('must be one non-empty line', () => {
    expect(checkPassword('')).toBe('is empty');
    expect(checkPassword('a\nb')).toMatch(/one line/);
    expect(checkPassword('ok: with colon and spaces')).toBeNull();
  });

  it('are set with the platform\'s tool, the password on stdin only', () => {
    for (const platform of [debian, openbsd]) {
      const { argv, input } = platform.setPassword('bob', PASSWORD);
      expect(argv.join(' ')).not.toContain(PASSWORD);
      expect(input).toContain(PASSWORD);
    }
    expect(debian.setPassword('bob', PASSWORD)).toEqual({ argv: ['chpasswd'], input: `bob:${PASSWORD}\n` });
    expect(openbsd.setPassword('bob', PASSWORD).argv.slice(-1)).toEqual(['bob']);
  });

  it('become a secret action of the users step; without one, the plan says how to set it by hand', () => {
    const ctx = (passwords?: Map<string, string>): Context =>
      createContext({ answers: DEMO_ANSWERS, platform: debian, host: rootedHost('/nonexistent', { exec: 'none' }), mode: 'setup', facts: {}, ...(passwords ? { passwords } : {}) });
    const withPassword = usersStep.plan(ctx(new Map([['bob', PASSWORD]])), { missing: ['bob'], withoutPassword: ['bob'] });
    expect(withPassword.actions).toEqual([
      { type: 'user', name: 'bob', argv: debian.addUser('bob'), timeoutMs: 30_000 },
      { type: 'run', argv: ['chpasswd'], input: `bob:${PASSWORD}\n`, secret: true, timeoutMs: 30_000 },
    ]);
    const byHand = usersStep.plan(ctx(), { missing: ['bob'], withoutPassword: ['bob'] });
    expect(byHand.actions.at(-1)).toEqual({ type: 'manual', title: 'set a password for each new user', lines: ['passwd bob'] });
  });
});

describe('users.password: a user without a password', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/passwd'), 'alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n');
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });
  const verify = async (shadow: string, passwords?: Map<string, string>) => {
    await fs.writeFile(path.join(root, 'etc/shadow'), shadow);
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, ...(passwords ? { passwords } : {}) });
    return (await usersStep.verify(ctx)).find((f) => f.check === 'users.password');
  };

  it('warns with the command that sets it; a password that was given and not set fails; a set one passes quietly', async () => {
    const locked = 'alice:$y$j9T$abc$def:20000:0:99999:7:::\nbob:!:20000:0:99999:7:::\n';
    expect(await verify(locked)).toMatchObject({ status: 'warn', summary: 'no password yet: bob (IMAP and submission logins fail until one is set)', fix: expect.stringContaining('passwd bob') });
    expect(await verify(locked, new Map([['bob', PASSWORD]]))).toMatchObject({ status: 'fail', summary: 'the password was not set for bob', fix: 'Set it by hand: passwd bob' });
    expect(await verify('alice:$y$j9T$abc$def:20000:0:99999:7:::\nbob:$y$j9T$ghi$jkl:20000:0:99999:7:::\n')).toBeUndefined();
  });
});

describe('a secret input', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A step whose one action feeds the secret to a real command (sh writes it to a file, proving it got it). */
  const secretStep = (script: string): AnyStep => ({
    id: 'secret',
    title: 'secret step',
    why: 'feeds a password to a command',
    probe: async () => null,
    plan: () => ({ actions: [{ type: 'run', argv: ['sh', '-c', script, 'sh', path.join(root, 'got')], input: `bob:${PASSWORD}\n`, secret: true, timeoutMs: 10_000 }] }),
    verify: async () => [{ status: 'pass', check: 'secret.done', summary: 'done' }],
  });

  async function run(step: AnyStep) {
    const events: RunnerEvent[] = [];
    const lines: string[] = [];
    const plain = plainRenderer({ write: (l) => lines.push(l), diffs: true });
    const json = jsonRenderer((l) => lines.push(l));
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host: rootedHost(root, { exec: 'host' }), mode: 'setup', facts: {}, runId: 't' });
    const summary = await runSteps({ steps: [step], ctx, listener: (e) => (events.push(e), plain(e), json(e)) });
    return { summary, events, lines };
  }

  it('reaches the command, and no event, plain line, JSON line or shell export', async () => {
    // The command echoes its input, as a careless tool might: the output is not passed on.
    const { summary, events, lines } = await run(secretStep('cat > "$1"; cat "$1"; cat "$1" >&2'));
    expect(summary.failed).toBe(0);
    expect(await fs.readFile(path.join(root, 'got'), 'utf8')).toBe(`bob:${PASSWORD}\n`);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    expect(lines.join('\n')).toContain('run sh -c');
    const planned = events.find((e) => e.type === 'step-planned');
    expect(planned?.type === 'step-planned' && planned.actions[0]!.action).toMatchObject({ secret: true, input: expect.stringMatching(/secret/) });
    const script = planToShell([{ step: { id: 's', title: 's', why: 'w' }, actions: planned?.type === 'step-planned' ? planned.actions : [] }], 't');
    expect(script).not.toContain(PASSWORD);
    expect(script).toContain('# reads a secret from standard input');
    // Even given the real action, the export leaves the secret out.
    const real = secretStep('true').plan(null as never, null);
    expect(planToShell([{ step: { id: 's', title: 's', why: 'w' }, actions: real.actions.map((action) => ({ action, describe: 'x' })) }], 't')).not.toContain(PASSWORD);
  });

  it('is taken out of a failure line that repeats it', async () => {
    const { summary, events, lines } = await run(secretStep('cat > "$1"; echo "chpasswd: bad line $(cat "$1")" >&2; exit 1'));
    expect(summary.failed).toBe(1);
    const done = events.find((e) => e.type === 'action-done');
    expect(done?.type === 'action-done' && done.detail).toBe('chpasswd: bad line (secret)');
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
