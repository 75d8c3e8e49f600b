/**
 * `mail-wizard records`: what to publish in DNS, as zone-file lines to paste (long TXT values split
 * into 255-byte strings), as a table, or as JSON. Before setup has made the DKIM key, the DKIM
 * record is shown with a placeholder and a note.
 */
import type { Answers } from '../answers/schema.js';
import { otherDkimRecords, type OtherDkimKey } from '../dns/dkim-selectors.js';
import type { LocalCertificate } from '../dns/dane.js';
import { expectedRecords } from '../dns/expected.js';
import { recordsJson, recordsTable, zoneLines } from '../dns/zone-export.js';
import { tlsaRecord } from '../dns/dane.js';
import type { Finding } from '../engine/types.js';
import { clientSrvRecords } from '../published/autoconfig.js';
import { mtaStsHost, mtaStsMode, MTA_STS_PATH } from '../published/mta-sts.js';

/** What the MTA-STS and SRV rows ask of the person who publishes them. */
function publishedNotes(answers: Answers): string[] {
  const mode = mtaStsMode(answers);
  const sts =
    mode === 'off'
      ? 'MTA-STS is off (mtaSts: off): no mta-sts or autoconfig name is needed; delete an _mta-sts record left from before, or senders keep looking for a policy.'
      : `MTA-STS (${mode}): this server serves the policy at https://${mtaStsHost(answers.domain)}${MTA_STS_PATH}. Its id changes whenever the policy does (another host name or mode): publish the _mta-sts record again when \`mail-wizard records\` shows a new id.`;
  const srv = clientSrvRecords(answers)[0]!;
  return [
    sts,
    `The SRV records let mail clients find the server by themselves (RFC 6186); _pop3 and _pop3s say there is no POP3. A DNS panel that asks for the parts apart takes e.g. service _submissions, protocol _tcp, priority ${srv.priority}, weight ${srv.weight}, port ${srv.port}, target ${srv.target}.`,
  ];
}

export interface RecordsOptions {
  answers: Answers;
  format: 'zone' | 'table' | 'json';
  dkimPublicKeyPem?: string;
  /** During a key rotation: the retired and next selectors (their records are listed too). */
  otherDkim?: OtherDkimKey[];
  /** `--dane`: what the DNS servers said of the zone's DNSSEC; the TLSA is listed only when it is secure. */
  dane?: { zone?: string; secure: boolean; findings: Finding[]; tlsCertificate?: LocalCertificate | undefined };
  out: NodeJS.WritableStream;
}

export async function recordsCommand(opts: RecordsOptions): Promise<number> {
  const write = (s: string): void => void opts.out.write(`${s}\n`);
  const records = expectedRecords(opts.answers, opts.dkimPublicKeyPem);
  const at = records.findIndex((r) => r.check === 'dkim');
  records.splice(at + 1, 0, ...otherDkimRecords(opts.answers, opts.otherDkim ?? []));
  const notes: string[] = [];
  if (records.some((r) => r.placeholder)) {
    notes.push('The DKIM key does not exist yet: setup creates it (step dkim). Run `mail-wizard records` again afterwards to get the real DKIM record.');
  }
  if (opts.dane) {
    const t = opts.dane.tlsCertificate ? tlsaRecord(opts.answers, opts.dane.tlsCertificate.pem) : null;
    if (opts.dane.secure && t) records.push(t);
    else if (opts.dane.secure) notes.push(`${opts.dane.zone ?? opts.answers.domain} is DNSSEC-signed, but there is no certificate on this box yet: setup makes it; then run \`mail-wizard records --dane\` again for the TLSA record.`);
    else notes.push(`No TLSA record: ${opts.dane.findings.map((f) => f.summary).join('; ')}`);
  }
  notes.push(...publishedNotes(opts.answers));
  notes.push('Reverse DNS (PTR) is set by whoever owns the IP addresses: your hosting provider\'s panel or a support ticket.');
  switch (opts.format) {
    case 'json':
      write(JSON.stringify({ records: recordsJson(records), notes }, null, 2));
      break;
    case 'table':
      for (const line of recordsTable(records)) write(line);
      write('');
      for (const n of notes) write(`note: ${n}`);
      break;
    case 'zone':
      for (const line of zoneLines(records)) write(line);
      if (records.some((r) => r.placeholder)) {
        write('');
        write(`; note: ${notes[0]}`);
      }
      for (const n of notes.filter((n) => /TLSA/.test(n))) write(`; note: ${n}`);
      break;
  }
  return 0;
}
