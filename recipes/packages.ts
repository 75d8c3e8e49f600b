/** The packages of the stack: OpenSMTPD's rspamd filter, Dovecot, Rspamd, Redis (and helpers). */
import type { Context, Step } from '../src/engine/types.js';

export function wantedPackages(ctx: Pick<Context, 'answers' | 'platform'>): string[] {
  const names = [...ctx.platform.packages];
  if (ctx.platform.name === 'debian') {
    names.push('nftables');
    if (ctx.answers.tls.mode === 'acme') names.push('certbot');
  }
  return names;
}

async function missingPackages(ctx: Context): Promise<string[]> {
  const missing: string[] = [];
  for (const name of wantedPackages(ctx)) {
    const result = await ctx.host.run(ctx.platform.packageQuery(name), { timeoutMs: 20_000, readOnly: true });
    const installed = result.exitCode === 0 && (ctx.platform.name !== 'debian' || result.stdout.trim() === 'installed');
    if (!installed) missing.push(name);
  }
  return missing;
}

export const packagesStep: Step<string[]> = {
  id: 'packages',
  title: 'Packages',
  why: 'Installs OpenSMTPD\'s Rspamd filter, Dovecot (IMAP, LMTP, Sieve), Rspamd and Redis.',
  probe: missingPackages,
  plan(ctx, missing) {
    if (missing.length === 0) return { actions: [], reason: 'all packages are installed' };
    const { argv, env } = ctx.platform.install(missing);
    return { actions: [{ type: 'packages', names: missing, argv, ...(env ? { env } : {}), timeoutMs: 15 * 60_000 }] };
  },
  async verify(ctx) {
    const missing = await missingPackages(ctx);
    if (missing.length === 0) return [{ status: 'pass', check: 'packages.installed', summary: `installed: ${wantedPackages(ctx).join(', ')}` }];
    const { argv } = ctx.platform.install(missing);
    return [
      {
        status: 'fail',
        check: 'packages.installed',
        summary: `missing packages: ${missing.join(', ')}`,
        evidence: ctx.platform.packageQuery(missing[0]!).join(' '),
        fix: `Install them: ${argv.join(' ')}`,
      },
    ];
  },
};
