/**
 * The firewall step on a box that already has a life: real nft in a network namespace of the
 * test's own, an admin's table that must survive, sshd on a port of the admin's choosing, and the
 * "confirm or revert" timer that puts the previous rules back when nobody stops it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firewallStep, sshPorts } from '../../recipes/firewall.js';
import { renderNftRevert } from '../../recipes/templates/firewall.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { applyAction } from '../../src/engine/actions.js';
import { createContext } from '../../src/engine/context.js';
import { runSteps } from '../../src/engine/runner.js';
import type { Context } from '../../src/engine/types.js';
import { FsHost } from '../../src/host/fs-host.js';
import { debian } from '../../src/platform/debian.js';
import { platformUnder } from '../support/mapped-platform.js';
import { netns, type Netns } from '../support/netns.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';

const skip = missingTools('firewall in a network namespace', ['/usr/sbin/nft', '/usr/bin/ip']) || process.getuid?.() !== 0;

let root: string;
let ns: Netns;
let ctx: Context;
const nft = async (...args: string[]) => ns.exec(['nft', ...args], { timeoutMs: 20_000 });

beforeEach(async () => {
  root = await tempDir('mail-wizard-firewall-');
  ns = await netns();
  const platform = platformUnder(debian, root);
  await fs.mkdir(path.join(root, 'etc/ssh'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  // sshd -T needs an sshd; without one the step reads sshd_config's Port lines.
  await fs.writeFile(platform.paths.sshdConfig, 'Port 2222\nMatch User backup\n  Port 2200\n');
  // The stock Debian nftables.conf, as the nftables package installs it.
  await fs.writeFile(platform.paths.firewallConf, '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}\n');
  // The admin's own table: it must outlive every load of ours.
  const admin = await ns.exec(['nft', '-f', '-'], { timeoutMs: 20_000, input: 'table inet admin_stuff {\n chain input {\n  type filter hook input priority 0;\n  tcp dport 8080 accept\n }\n}\n' });
  expect(admin.exitCode, admin.stderr).toBe(0);
  const host = new FsHost('rooted', { resolve: (p) => p, exec: ns.exec, backupDir: `${root}/backups` });
  ctx = createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' } }, platform, host, mode: 'setup', facts: { serviceManager: 'service' }, runId: 'fw' });
});
afterEach(async () => {
  await ns?.cleanup();
  await fs.rm(root, { recursive: true, force: true });
});

describe.skipIf(skip)('the firewall on a lived-in box', () => {
  it('loads its own table, opens the admin\'s SSH port, and leaves every other table and line alone', async () => {
    const summary = await runSteps({ steps: [firewallStep], ctx, listener: () => undefined });
    expect(summary.results.map((r) => r.status)).toEqual(['changed']);

    const ours = await nft('list', 'table', 'inet', 'mail_wizard');
    expect(ours.stdout).toContain('tcp dport 2222 accept');
    expect(ours.stdout).not.toContain('tcp dport 2200 accept'); // a Match block's port is not everyone's
    expect(ours.stdout).not.toMatch(/tcp dport 22 accept/);
    expect((await nft('list', 'table', 'inet', 'admin_stuff')).stdout).toContain('tcp dport 8080 accept');

    const main = await fs.readFile(ctx.platform.paths.firewallConf, 'utf8');
    expect(main).toMatch(/^#!\/usr\/sbin\/nft -f\n\nflush ruleset\n\ntable inet filter \{/); // the stock lines, untouched
    expect(main).toContain(`include "${ctx.platform.paths.firewallRules}"`);
    // The revert timer was stopped: no pid file, no sleeping process in the namespace.
    await expect(fs.stat(`${ctx.platform.paths.firewallRevert}.pid`)).rejects.toThrow();
    const left = await execa('ip', ['netns', 'pids', ns.name]);
    expect(left.stdout.trim()).toBe('');

    const findings = await firewallStep.verify(ctx);
    expect(findings.filter((f) => f.status === 'fail')).toEqual([]);
    expect(findings.find((f) => f.check === 'firewall.boot')?.status).toBe('warn'); // no systemd here

    // A second run changes nothing; a flushed table (someone ran `nft flush ruleset`) is loaded again.
    expect(firewallStep.plan(ctx, await firewallStep.probe(ctx)).actions).toEqual([]);
    await nft('delete', 'table', 'inet', 'mail_wizard');
    expect((await firewallStep.verify(ctx)).find((f) => f.check === 'firewall.loaded')).toMatchObject({ status: 'fail', summary: 'the mail firewall rules are not loaded' });
    const again = firewallStep.plan(ctx, await firewallStep.probe(ctx)).actions;
    expect(again.filter((a) => a.type === 'writeFile').map((a) => a.type === 'writeFile' && a.path)).toEqual([ctx.platform.paths.firewallRevert]);
  });

  it('in a terminal, "no" (or no answer) to keeping the new rules fails the step and leaves the timer armed', async () => {
    const asked: string[] = [];
    const summary = await runSteps({
      steps: [firewallStep],
      ctx,
      listener: () => undefined,
      keep: async (_step, planned) => {
        asked.push(planned.describe);
        return false;
      },
    });
    expect(summary.results.map((r) => r.status)).toEqual(['failed']);
    expect(asked).toEqual([expect.stringMatching(/^ask: The new firewall rules are loaded \(SSH open on 2222\)\. .* Keep them\? \(90 s to answer\)$/)]);
    // The timer still runs: it will load the previous rules (here: no table of ours at all).
    const pid = Number(await fs.readFile(`${ctx.platform.paths.firewallRevert}.pid`, 'utf8'));
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(await fs.readFile(ctx.platform.paths.firewallRevert, 'utf8')).toBe('table inet mail_wizard\ndelete table inet mail_wizard\n');
  });

  it('opens the port of the SSH session the wizard runs in', async () => {
    vi.stubEnv('SSH_CONNECTION', '198.51.100.10 50000 198.51.100.25 2022');
    try {
      const local = { ...ctx, host: new FsHost('local', { resolve: (p) => p, exec: ns.exec, backupDir: `${root}/backups` }) };
      expect((await sshPorts(local)).map((p) => p.port)).toEqual([2222, 2022]);
      expect((await sshPorts(ctx)).map((p) => p.port)).toEqual([2222]); // files under a root: not this session's box
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an unconfirmed load is reverted by the timer: the previous table comes back', async () => {
    // The table as an earlier run left it.
    await fs.writeFile(path.join(root, 'old.nft'), 'table inet mail_wizard {\n chain input {\n  type filter hook input priority filter; policy drop;\n  tcp dport 22 accept\n }\n}\n');
    expect((await nft('-f', path.join(root, 'old.nft'))).exitCode).toBe(0);
    const before = (await nft('list', 'table', 'inet', 'mail_wizard')).stdout;
    const { platform } = ctx;
    await fs.mkdir(path.dirname(platform.paths.firewallRevert), { recursive: true });
    await fs.writeFile(platform.paths.firewallRevert, renderNftRevert(before));
    // The plan's own actions, with the timer's delay shortened to one second.
    const plan = firewallStep.plan(ctx, await firewallStep.probe(ctx)).actions;
    const arm = plan.find((a) => a.type === 'run' && a.argv.includes('mail-wizard-firewall-revert'));
    expect(arm?.type).toBe('run');
    if (arm?.type !== 'run') return;
    const shortArm = { ...arm, argv: arm.argv.map((w) => (w === '120' ? '1' : w)) };
    for (const action of plan) {
      if (action === arm) {
        expect((await applyAction(shortArm, ctx.host)).ok).toBe(true);
        continue;
      }
      if (action.type === 'run' && action.argv.includes('mail-wizard-firewall-keep')) break; // nobody confirms
      const outcome = await applyAction(action, ctx.host);
      expect(outcome, JSON.stringify(action)).toMatchObject({ ok: true });
    }
    expect((await nft('list', 'table', 'inet', 'mail_wizard')).stdout).toContain('tcp dport 2222 accept');
    // Wait for the state, not for a time: the old table is back, the admin's table untouched.
    const deadline = Date.now() + 30_000;
    let now = '';
    while (Date.now() < deadline) {
      now = (await nft('list', 'table', 'inet', 'mail_wizard')).stdout;
      if (now === before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(now).toBe(before);
    expect((await nft('list', 'table', 'inet', 'admin_stuff')).stdout).toContain('tcp dport 8080 accept');
  });
});
