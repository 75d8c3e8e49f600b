/**
 * `mail-wizard check dns`: asks the authoritative servers of the mail domain (or --nameserver) and
 * prints one line per finding with what was seen and the fix. Exit 0 = nothing failed, 1 = a check
 * failed, 2 = the input cannot work (a bad --nameserver).
 */
import type { Answers } from '../answers/schema.js';
import { DnsInputError, runDnsChecks, worstStatus, type DnsCheckResult, type DoctorOptions, type DoctorReport } from '../dns/doctor.js';
import { parseNameserverArgs } from '../dns/discovery.js';

export interface CheckDnsOptions {
  answers: Answers;
  nameservers: string[];
  json: boolean;
  dkimPublicKeyPem?: string;
  out: NodeJS.WritableStream;
  /** Overrides for tests and special setups (time budget, resolv.conf, the local check). */
  doctor?: Partial<Omit<DoctorOptions, 'answers' | 'nameservers' | 'dkimPublicKeyPem'>>;
}

const LABEL: Record<DnsCheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

function indent(label: string, text: string): string[] {
  const pad = ' '.repeat(6);
  return text.split('\n').map((line, i) => (i === 0 ? `${pad}${label} ${line}` : `${pad}${' '.repeat(label.length)} ${line}`));
}

export function formatReport(report: DoctorReport, answers: Answers): string[] {
  const lines: string[] = [];
  const how = report.mode === 'given' ? 'given servers' : `authoritative servers of ${report.zone ?? '?'}`;
  lines.push(`DNS of ${answers.domain} (host ${answers.hostname}), asked at the ${how}:`);
  for (const s of report.servers) lines.push(`  ${s.label}: ${s.usable ? s.status : `not usable (${s.status})`}`);
  lines.push('');
  const width = Math.max(...report.checks.map((c) => c.id.length));
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status]}  ${c.id.padEnd(width)}  ${c.summary}`);
    if (c.status !== 'pass') {
      if (c.evidence) lines.push(...indent('seen:', c.evidence));
      if (c.fix) lines.push(...indent('fix: ', c.fix));
    }
  }
  const n = (s: string): number => report.checks.filter((c) => c.status === s).length;
  lines.push('');
  lines.push(`${n('fail')} failed, ${n('warn')} warnings, ${n('pass')} passed (${report.elapsedMs} ms, ${report.questions.length} questions)`);
  return lines;
}

export function reportJson(report: DoctorReport): unknown {
  return {
    checks: report.checks.map((c) => ({
      id: c.id,
      status: c.status,
      summary: c.summary,
      fix: c.fix ?? null,
      evidence: c.evidence ?? null,
      ...(c.servers ? { servers: c.servers } : {}),
    })),
    status: worstStatus(report.checks),
    zone: report.zone ?? null,
    mode: report.mode,
    servers: report.servers,
    elapsedMs: report.elapsedMs,
  };
}

export async function checkDnsCommand(opts: CheckDnsOptions): Promise<number> {
  const write = (s: string): void => void opts.out.write(`${s}\n`);
  const { errors } = parseNameserverArgs(opts.nameservers);
  if (errors.length > 0) {
    for (const e of errors) write(`error: ${e}`);
    return 2;
  }
  let report: DoctorReport;
  try {
    const dopts: DoctorOptions = { ...opts.doctor, answers: opts.answers, nameservers: opts.nameservers };
    if (opts.dkimPublicKeyPem !== undefined) dopts.dkimPublicKeyPem = opts.dkimPublicKeyPem;
    report = await runDnsChecks(dopts);
  } catch (err) {
    if (err instanceof DnsInputError) {
      write(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (opts.json) write(JSON.stringify(reportJson(report), null, 2));
  else for (const line of formatReport(report, opts.answers)) write(line);
  return report.checks.some((c) => c.status === 'fail') ? 1 : 0;
}
