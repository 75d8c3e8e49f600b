/**
 * Another program holds a mail port (25, 465, 587): usually a mail server the system came with
 * (exim4 on Debian, postfix or sendmail from packages). smtpd then cannot bind and exits, or the
 * port answers with someone else's greeting.
 */
import type { Context, Finding } from '../engine/types.js';
import { listenersOn, who, type Listener } from './probes.js';
import { checkIs, type Cause, type CauseEntry } from './types.js';

const MAIL_PORTS = [25, 465, 587];
/** Process names of the mail servers that commonly hold port 25 before ours. */
const MTAS = /^(exim4?|postfix|master|sendmail|smtpd|qmail|courier|opensmtpd|dma|nullmailer)/;
const IN_USE = /address already in use|EADDRINUSE|could not bind|can't bind|cannot bind|bind: /i;

/** The ports a finding is about: its check id ("services.smtp-587"), or every mail port. */
function portsOf(f: Finding, text: string): number[] {
  // The port of the check first, then the others: smtpd exits when it cannot bind any of them.
  const m = /(?:smtp|tls)-(\d+)$/.exec(f.check);
  if (m) return [Number(m[1]), ...MAIL_PORTS.filter((p) => p !== Number(m[1]))];
  const named = MAIL_PORTS.filter((p) => new RegExp(`[:\\s]${p}\\b`).test(text));
  return named.length ? named : MAIL_PORTS;
}

/** Ours: smtpd itself (and Dovecot on 993/465 is not on these ports). */
function isOurs(ctx: Context, l: Listener): boolean {
  return l.process === 'smtpd' || l.process === ctx.platform.services.smtpd;
}

function stopCommand(ctx: Context, name: string): string {
  // The process name is usually the service name (exim4, postfix's is "master": the service is postfix).
  const service = name === 'master' ? 'postfix' : name;
  if (ctx.platform.name === 'openbsd') return `rcctl stop ${service} && rcctl disable ${service}`;
  if (ctx.facts.serviceManager === 'systemctl') return `systemctl disable --now ${service}`;
  return `service ${service} stop && update-rc.d ${service} disable`;
}

export async function portHolder(ctx: Context, ports: readonly number[]): Promise<Cause | null> {
  for (const port of ports) {
    const foreign = (await listenersOn(ctx, port)).filter((l) => !isOurs(ctx, l));
    const holder = foreign[0];
    if (!holder) continue;
    const mta = MTAS.test(holder.process);
    const what = mta ? `another mail server, ${who(holder)},` : `another program, ${who(holder)},`;
    const remove = ctx.platform.name === 'openbsd' ? 'pkg_delete its package' : `apt-get remove its package, which dpkg -S $(readlink -f /proc/${holder.pid ?? 'PID'}/exe) names`;
    return {
      id: 'port-held',
      cause: `Port ${port} is held by ${what} so OpenSMTPD cannot listen there${mta ? ': two mail servers cannot share it' : ''}.`,
      fix: `Stop it and keep it from starting at boot: ${stopCommand(ctx, holder.process)}${mta ? `; or ${remove}` : ''}; then retry.`,
    };
  }
  return null;
}

export const portHeld: CauseEntry = {
  id: 'port-held',
  matches: (f, text) => checkIs(f, 'services.smtpd', 'services.smtp', 'smtpd') || /smtp-\d+$/.test(f.check) || IN_USE.test(text),
  probe: (ctx, f, text) => portHolder(ctx, portsOf(f, text)),
};
