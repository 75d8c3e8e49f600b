/**
 * A dry-run as a POSIX shell script a person could read and run by hand: the proof that nothing is
 * hidden. File contents go through quoted here-documents (no expansion); every argument is quoted.
 */
import type { PlannedAction, StepInfo } from './events.js';
import { octal } from './actions.js';
import type { Action, FileMeta } from './types.js';

/** Single-quotes a word for sh (safe for any byte but NUL). */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function argv(words: string[]): string {
  return words.map(shQuote).join(' ');
}

/** A here-document delimiter that does not occur as a line of the content. */
function delimiter(content: string): string {
  const lines = new Set(content.split('\n'));
  let n = 0;
  while (lines.has(`MAIL_WIZARD_EOF${n || ''}`)) n++;
  return `MAIL_WIZARD_EOF${n || ''}`;
}

function chownLine(path: string, meta: FileMeta): string[] {
  if (!meta.owner && !meta.group) return [];
  return [`chown ${shQuote(`${meta.owner ?? ''}${meta.group ? `:${meta.group}` : ''}`)} ${shQuote(path)}`];
}

function envPrefix(env: Record<string, string> | undefined): string {
  return env ? `${Object.entries(env).map(([k, v]) => `${k}=${shQuote(v)}`).join(' ')} ` : '';
}

export function actionToShell(action: Action): string[] {
  switch (action.type) {
    case 'writeFile': {
      const p = shQuote(action.path);
      const tmp = shQuote(`${action.path}.mail-wizard-new`);
      const body = action.content.endsWith('\n') ? action.content : `${action.content}\n`;
      const eof = delimiter(body);
      return [
        `mkdir -p "$(dirname ${p})"`,
        `[ -e ${p} ] && backup ${p}`,
        `(umask 077 && cat > ${tmp} <<'${eof}'`,
        `${body}${eof}`,
        ')',
        ...chownLine(action.path + '.mail-wizard-new', action),
        `chmod ${octal(action.mode)} ${tmp}`,
        `mv -f ${tmp} ${p}`,
      ];
    }
    case 'mkdir':
      // An existing directory keeps its owner and mode (as the wizard's own mkdir does).
      return [
        `if [ ! -d ${shQuote(action.path)} ]; then`,
        ...[`mkdir -p ${shQuote(action.path)}`, `chmod ${octal(action.mode)} ${shQuote(action.path)}`, ...chownLine(action.path, action)].map((l) => `  ${l}`),
        'fi',
      ];
    case 'run': {
      const cmd = `${envPrefix(action.env)}${argv(action.argv)}`;
      const lines: string[] = [];
      if (action.secret) {
        // The secret is not in the script: run by hand, the command reads it from the terminal.
        lines.push(`# reads a secret from standard input (type it; it is not in this script)`, cmd);
      } else if (action.input !== undefined) {
        const eof = delimiter(action.input);
        lines.push(`${cmd} <<'${eof}'`, `${action.input.endsWith('\n') ? action.input : `${action.input}\n`}${eof}`);
      } else if (action.expectOutput?.length) {
        lines.push(`out=$(${cmd})`);
        for (const piece of action.expectOutput) {
          lines.push(`case "$out" in *${shQuote(piece)}*) ;; *) echo ${shQuote(`missing: ${piece}`)} >&2; exit 1 ;; esac`);
        }
      } else if (action.okExitCodes && action.okExitCodes.some((c) => c !== 0)) {
        const ok = action.okExitCodes.map((c) => `[ "$rc" -eq ${c} ]`).join(' || ');
        lines.push(`rc=0; ${cmd} || rc=$?`, `${ok} || exit "$rc"`);
      } else lines.push(cmd);
      return lines;
    }
    case 'packages':
      return [`${envPrefix(action.env)}${argv(action.argv)}`];
    case 'service':
    case 'user':
      return [argv(action.argv)];
    case 'generateKey': {
      const lines = [
        `(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${action.bits} -out ${shQuote(action.path)})`,
        ...chownLine(action.path, action),
        `chmod ${octal(action.mode)} ${shQuote(action.path)}`,
      ];
      if (action.publicPath) {
        lines.push(`openssl pkey -in ${shQuote(action.path)} -pubout -out ${shQuote(action.publicPath)}`, `chmod 0644 ${shQuote(action.publicPath)}`);
      }
      return lines;
    }
    case 'selfSignedCert': {
      const names = [action.hostname, ...action.altNames].map((n) => `DNS:${n}`).join(',');
      return [
        `[ -e ${shQuote(action.keyPath)} ] || (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${shQuote(action.keyPath)})`,
        `openssl req -new -x509 -key ${shQuote(action.keyPath)} -out ${shQuote(action.certPath)} -days ${action.days} -subj ${shQuote(`/CN=${action.hostname}`)} -addext ${shQuote(`subjectAltName=${names}`)}`,
        `chmod 0644 ${shQuote(action.certPath)}`,
      ];
    }
    case 'confirm':
      return [`printf '%s [y/N] ' ${shQuote(action.question)}`, 'read -r answer', '[ "$answer" = y ] || exit 1'];
    case 'manual':
      return [`# YOU: ${action.title}`, ...action.lines.map((l) => `#   ${l}`)];
  }
}

export function planToShell(steps: { step: StepInfo; actions: PlannedAction[]; reason?: string }[], title: string): string {
  const out = [
    '#!/bin/sh',
    `# ${title}`,
    '# Generated by `mail-wizard plan --format sh`: every change the wizard would make, in order.',
    '# Read it before you run it. Replaced files are first copied under $BACKUP.',
    'set -eu',
    'BACKUP="/var/backups/mail-wizard/$(date +%Y-%m-%dT%H-%M-%S)"',
    'backup() { mkdir -p "$BACKUP$(dirname "$1")" && cp -p "$1" "$BACKUP$1"; }',
  ];
  for (const { step, actions, reason } of steps) {
    out.push('', `# == ${step.title}`, `# ${step.why}`);
    if (actions.length === 0) out.push(`# nothing to do: ${reason ?? 'already as wanted'}`);
    for (const planned of actions) out.push(...actionToShell(planned.action));
  }
  return `${out.join('\n')}\n`;
}
