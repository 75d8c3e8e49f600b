/** The packet filter: SSH, mail ports (and 80 for ACME) in; nothing else. */
import { configStep } from './lib/config-step.js';
import { renderFirewall } from './templates/firewall.js';

export const firewallStep = configStep({
  id: 'firewall',
  title: 'Firewall',
  why: 'Opens exactly the ports mail needs (and SSH), and closes the rest.',
  needs: ['packages'],
  files: (ctx) => [
    { path: ctx.platform.paths.firewallConf, content: renderFirewall(ctx), mode: ctx.platform.name === 'openbsd' ? 0o600 : 0o755, owner: 'root' },
  ],
  // Load only a ruleset that parses, so a mistake cannot leave the box without one.
  after: (ctx) => [
    { type: 'run', argv: ctx.platform.firewallCheck(ctx.platform.paths.firewallConf), timeoutMs: 30_000 },
    { type: 'run', argv: ctx.platform.firewallLoad(ctx.platform.paths.firewallConf), timeoutMs: 30_000 },
  ],
  toolCheck: (ctx) => ({
    check: 'firewall.config',
    argv: ctx.platform.firewallCheck(ctx.platform.paths.firewallConf),
    pass: 'the firewall rules parse',
    fail: 'the firewall rejects its rules',
    fix: `Read the line named above in ${ctx.platform.paths.firewallConf}.`,
  }),
  upToDate: 'the firewall rules are already as wanted',
});
