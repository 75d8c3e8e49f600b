/**
 * The daily job that runs `mail-wizard watch run`, the platform's own way:
 *
 * - OpenBSD: a marked block in /etc/daily.local. /etc/daily runs from root's crontab and runs
 *   /etc/daily.local first; its output is mailed to root (openbsd/src share/man/man8/daily.8). It
 *   sources the file (`run_script "daily.local"`, `. $f`), skipping it unless it is root's and not
 *   group- or world-writable, with PATH /bin:/usr/bin:/sbin:/usr/sbin:/usr/local/bin, and keeps
 *   the output in /var/log/daily.out (openbsd/src etc/daily). The block is named, so the
 *   certificate renewal's block in the same file is left alone (recipes/lib/marked-block.ts).
 * - Debian with systemd as PID 1: a service and a daily timer of ours (Persistent: a night the box
 *   was off is caught up at boot).
 * - Debian without systemd: a script in /etc/cron.daily, which cron runs through run-parts (names
 *   of letters, digits, - and _ only: no dot).
 */
import { insideBlock, withBlock, withoutBlock } from '../../recipes/lib/marked-block.js';
import { shQuote } from '../engine/shell-export.js';
import type { Facts } from '../engine/types.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';

export const DAILY_LOCAL = '/etc/daily.local';
export const BLOCK = 'watch';
export const CRON_SCRIPT = '/etc/cron.daily/mail-wizard-watch';
export const UNIT = 'mail-wizard-watch';
export const SERVICE_FILE = `/etc/systemd/system/${UNIT}.service`;
export const TIMER_FILE = `/etc/systemd/system/${UNIT}.timer`;

export type JobKind = 'daily.local' | 'systemd' | 'cron.daily';

export function jobKind(platform: Platform, facts: Facts): JobKind {
  if (platform.name === 'openbsd') return 'daily.local';
  return facts.serviceManager === 'systemctl' ? 'systemd' : 'cron.daily';
}

export function commandLine(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

export function renderDailyLocalBlock(existing: string | null, argv: readonly string[]): string {
  return withBlock(existing, {
    name: BLOCK,
    what: 'daily report of what changed (mail-wizard watch)',
    lines: ['# Mails postmaster only when a check changed; `mail-wizard watch disable` removes this block.', commandLine(argv)],
  });
}

export function renderCronScript(argv: readonly string[]): string {
  return `#!/bin/sh
# ${CRON_SCRIPT}: written by \`mail-wizard watch enable\`; \`mail-wizard watch disable\` removes it.
# Mails postmaster only when a check changed since the last run.
exec ${commandLine(argv)}
`;
}

export function renderSystemdUnits(argv: readonly string[]): { service: string; timer: string } {
  return {
    service: `# Written by \`mail-wizard watch enable\`; \`mail-wizard watch disable\` removes it.
[Unit]
Description=mail-wizard daily report of what changed
After=network-online.target opensmtpd.service

[Service]
Type=oneshot
ExecStart=${commandLine(argv)}
`,
    timer: `# Written by \`mail-wizard watch enable\`; \`mail-wizard watch disable\` removes it.
[Unit]
Description=mail-wizard daily report of what changed

[Timer]
OnCalendar=daily
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
`,
  };
}

async function run(host: Host, argv: string[]): Promise<void> {
  const r = await host.run(argv, { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
}

/** Installs the job (again: idempotent); returns where it is, in one line. */
export async function enableJob(host: Host, kind: JobKind, argv: readonly string[]): Promise<string> {
  switch (kind) {
    case 'daily.local': {
      await host.writeFile(DAILY_LOCAL, renderDailyLocalBlock(await host.readFile(DAILY_LOCAL), argv), { mode: 0o644, owner: 'root' });
      return `${DAILY_LOCAL} (the "${BLOCK}" block; daily(8) runs it every night)`;
    }
    case 'cron.daily':
      await host.mkdir('/etc/cron.daily', { mode: 0o755, owner: 'root' });
      await host.writeFile(CRON_SCRIPT, renderCronScript(argv), { mode: 0o755, owner: 'root' });
      return `${CRON_SCRIPT} (cron runs /etc/cron.daily every day)`;
    case 'systemd': {
      const units = renderSystemdUnits(argv);
      await host.writeFile(SERVICE_FILE, units.service, { mode: 0o644, owner: 'root' });
      await host.writeFile(TIMER_FILE, units.timer, { mode: 0o644, owner: 'root' });
      await run(host, ['systemctl', 'daemon-reload']);
      await run(host, ['systemctl', 'enable', '--now', `${UNIT}.timer`]);
      return `${TIMER_FILE} (enabled: systemctl list-timers ${UNIT}.timer)`;
    }
  }
}

/** Removes the job; true when there was one. */
export async function disableJob(host: Host, kind: JobKind): Promise<boolean> {
  switch (kind) {
    case 'daily.local': {
      const current = await host.readFile(DAILY_LOCAL);
      if (insideBlock(current, BLOCK) === null) return false;
      await host.writeFile(DAILY_LOCAL, withoutBlock(current, BLOCK) ?? '', { mode: 0o644, owner: 'root' });
      return true;
    }
    case 'cron.daily':
      if (!(await host.stat(CRON_SCRIPT))) return false;
      await run(host, ['rm', '-f', CRON_SCRIPT]);
      return true;
    case 'systemd': {
      if (!(await host.stat(TIMER_FILE))) return false;
      await run(host, ['systemctl', 'disable', '--now', `${UNIT}.timer`]);
      await run(host, ['rm', '-f', TIMER_FILE, SERVICE_FILE]);
      await run(host, ['systemctl', 'daemon-reload']);
      return true;
    }
  }
}
