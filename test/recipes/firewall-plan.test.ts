/**
 * What the firewall step plans where it cannot run here: OpenBSD's pf (stock pf.conf replaced
 * whole, an admin's pf.conf given an anchor) and Debian with systemd (nftables.service enabled).
 * Files under a temp root; commands run nowhere (nothing is loaded, so everything is planned).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firewallStep } from '../../recipes/firewall.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { Action, Facts } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { tempDir } from '../support/tmp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir('mail-wizard-fwplan-');
  await fs.mkdir(path.join(root, 'etc/ssh'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/ssh/sshd_config'), 'Port 2222\n');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function plan(platform: Platform, facts: Facts = {}): Promise<Action[]> {
  const ctx = createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' } }, platform, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts, runId: 'p' });
  return firewallStep.plan(ctx, await firewallStep.probe(ctx)).actions;
}
const writes = (actions: Action[]) => actions.flatMap((a) => (a.type === 'writeFile' ? [a] : []));
const runs = (actions: Action[]) => actions.flatMap((a) => (a.type === 'run' || a.type === 'service' ? [a.argv.join(' ')] : []));

describe('OpenBSD pf', () => {
  it('a stock pf.conf is replaced whole and loaded; the rules read back from the main ruleset', async () => {
    await fs.writeFile(path.join(root, 'etc/pf.conf'), 'set skip on lo\n\nblock return\t# block stateless traffic\npass\t\t# establish keep-state\nblock return in on ! lo0 proto tcp to port 6000:6010\nblock return out log proto {tcp udp} user _pbuild\n');
    const actions = await plan(openbsd);
    expect(writes(actions).map((w) => w.path)).toEqual(['/etc/pf.conf', '/var/db/mail-wizard/pf-revert.conf']);
    expect(writes(actions)[0]?.content).toContain('pass in proto tcp to port 2222 label "mail-wizard 2222"');
    expect(runs(actions)).toContain('pfctl -f /etc/pf.conf');
    const readBack = actions.find((a) => a.type === 'run' && a.expectOutput);
    expect(readBack).toMatchObject({ argv: ['pfctl', '-s', 'rules'], expectOutput: expect.arrayContaining(['label "mail-wizard 2222"']) });
  });

  it('an admin\'s pf.conf keeps every line and gets the anchor block; the mail rules go to their own file', async () => {
    const admin = 'set skip on lo\nblock return\npass out\npass in on egress proto tcp to port { 22 443 }\n';
    await fs.writeFile(path.join(root, 'etc/pf.conf'), admin);
    const actions = await plan(openbsd);
    const [rules, main, revert] = writes(actions);
    expect(rules?.path).toBe('/etc/pf.mail-wizard.conf');
    expect(rules?.content).not.toMatch(/^block/m); // the anchor only opens: the admin's policy decides the rest
    expect(main?.path).toBe('/etc/pf.conf');
    expect(main?.content.startsWith(admin)).toBe(true);
    expect(main?.content).toContain('anchor "mail-wizard"\nload anchor "mail-wizard" from "/etc/pf.mail-wizard.conf"\n');
    expect(revert).toMatchObject({ path: '/var/db/mail-wizard/pf-revert.conf', content: admin });
    expect(runs(actions)).toEqual(expect.arrayContaining(['pfctl -n -f /etc/pf.conf', 'pfctl -f /etc/pf.conf', 'pfctl -a mail-wizard -s rules']));
  });
});

describe('Debian with systemd', () => {
  it('enables nftables.service so the rules come back after a reboot', async () => {
    const actions = await plan(debian, { serviceManager: 'systemctl' });
    expect(actions.at(-1)).toMatchObject({ type: 'service', argv: ['systemctl', 'enable', 'nftables.service'] });
  });
  it('without systemd there is nothing to enable', async () => {
    const actions = await plan(debian, { serviceManager: 'service' });
    expect(actions.some((a) => a.type === 'service')).toBe(false);
  });
});
