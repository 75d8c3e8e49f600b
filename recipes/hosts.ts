/** /etc/hosts: localhost is loopback, the host name is the public address. */
import type { Finding, Step } from '../src/engine/types.js';
import { planFiles, probeFiles, type FileState } from './lib/managed-files.js';
import { renderHosts } from './templates/hosts.js';

export const hostsStep: Step<FileState[]> = {
  id: 'hosts',
  title: 'Host names (/etc/hosts)',
  why: 'Daemons resolve "localhost": it must be 127.0.0.1/::1, never a public address.',
  async probe(ctx) {
    const path = ctx.platform.paths.hosts;
    const content = renderHosts(await ctx.host.readFile(path), ctx.answers);
    return probeFiles(ctx, [{ path, content, mode: 0o644, owner: 'root' }]);
  },
  plan(_ctx, states) {
    const actions = planFiles(states);
    return actions.length ? { actions } : { actions, reason: 'localhost and the host name already map to the right addresses' };
  },
  async verify(ctx) {
    const path = ctx.platform.paths.hosts;
    const current = await ctx.host.readFile(path);
    if (current !== null && current === renderHosts(current, ctx.answers)) {
      return [{ status: 'pass', check: 'hosts.localhost', summary: `localhost is loopback and ${ctx.answers.hostname} is ${ctx.answers.ipv4} in ${path}` }];
    }
    const finding: Finding = {
      status: 'fail',
      check: 'hosts.localhost',
      summary: `${path} does not map localhost to 127.0.0.1/::1 and ${ctx.answers.hostname} to ${ctx.answers.ipv4}`,
      evidence: current === null ? `no file at ${path}` : localhostLines(current),
      fix: 'Run `mail-wizard repair`: it fixes those lines and keeps the others.',
    };
    return [finding];
  },
};

function localhostLines(hosts: string): string {
  const lines = hosts.split('\n').filter((l) => /\blocalhost\b/.test(l.replace(/#.*/, '')));
  return lines.length ? `localhost lines: ${lines.map((l) => l.trim()).join(' | ')}` : 'no line names localhost';
}
