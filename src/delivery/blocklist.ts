/**
 * `blocklist`: the server's IPv4 and IPv6 addresses at each IP list (`--dnsbl`), the mail domain at
 * each domain list (`--dnsbl-domain`). An A answer is a listing, except the answers a list uses to
 * say "you may not ask": those mean the check could not be made, never that the server is listed
 * (checkers that read them as listings send people chasing a problem they do not have).
 */
import type { Finding } from '../engine/types.js';
import { normalizeName, txtValue } from '../dns/records.js';
import type { DeliveryCheck } from './index.js';
import { answered, describeResult, finding, recordsOf, reversedLabels } from './common.js';

const ID = 'blocklist';

export const DEFAULT_DNSBL = ['zen.spamhaus.org'];
export const DEFAULT_DNSBL_DOMAIN = ['dbl.spamhaus.org'];

/**
 * Answers that are errors, not listings. Spamhaus documents 127.255.255.252 (typing error in the
 * list's name), .254 (asked through a public or open resolver, common on cloud hosts) and .255
 * (too many queries) for every list, and 127.0.1.255 at DBL (an IP asked at a domain list). Any
 * 127.255.255.x is taken as an error at every list: no list uses that range for listings.
 */
function errorMeaning(zone: string, answer: string): string | null {
  const spamhaus = /(^|\.)spamhaus\.org$/.test(zone);
  if (answer === '127.255.255.252') return 'the list says its name was mistyped (127.255.255.252)';
  if (answer === '127.255.255.254') return 'the list refuses queries sent through a public or open resolver (127.255.255.254): ask through your own resolver, or with a Spamhaus DQS key';
  if (answer === '127.255.255.255') return 'the list refuses: too many queries from this resolver (127.255.255.255)';
  if (answer.startsWith('127.255.255.')) return `the list answered ${answer}, an error code, not a listing`;
  if (spamhaus && answer === '127.0.1.255') return 'the list refuses: an IP address was asked at a domain list (127.0.1.255)';
  if (!answer.startsWith('127.')) return `the list answered ${answer}, which is not a list answer (127.0.0.0/8): the resolver rewrites negative answers`;
  return null;
}

/** What a Spamhaus ZEN answer means (their return codes), for the summary. */
function zenMeaning(answer: string): string {
  const last = Number(answer.split('.')[3]);
  if (answer.startsWith('127.0.0.')) {
    if (last === 2) return 'SBL: a known spam source';
    if (last === 3) return 'CSS: seen sending spam recently';
    if (last >= 4 && last <= 7) return 'XBL: a compromised or infected host';
    if (last === 9) return 'DROP: a hijacked network';
    if (last === 10 || last === 11) return 'PBL: the provider marks this address as end-user or dynamic, not for sending mail';
  }
  return '';
}

interface Lookup {
  zone: string;
  subject: string;
  name: string;
}

export const blocklistCheck: DeliveryCheck = {
  id: ID,
  async run(ctx) {
    const lookups: Lookup[] = [];
    const ips = [ctx.answers.ipv4, ...(ctx.answers.ipv6 ? [ctx.answers.ipv6] : [])];
    for (const zone of ctx.dnsbl.map(normalizeName)) for (const ip of ips) lookups.push({ zone, subject: ip, name: `${reversedLabels(ip)}.${zone}` });
    const domain = normalizeName(ctx.answers.domain);
    for (const zone of ctx.dnsblDomain.map(normalizeName)) lookups.push({ zone, subject: domain, name: `${domain}.${zone}` });
    if (lookups.length === 0) return finding(ID, 'warn', 'not checked: no list given');

    const results = await Promise.all(
      lookups.map(async (l): Promise<{ l: Lookup; clean?: true; f?: Finding }> => {
        const r = await ctx.dns.ask(l.name, 'A');
        const evidence = `${l.name} A at ${ctx.dns.label}: ${r.kind === 'answer' ? recordsOf(r, 'A').map((a) => a.address).join(', ') : describeResult(r)}`;
        if (!answered(r)) {
          return { l, f: finding(ID, 'warn', `could not check ${l.subject} at ${l.zone}: ${describeResult(r)}`, { evidence, fix: 'Check again later; see the resolver check.' }) };
        }
        const answers = recordsOf(r, 'A').map((a) => a.address);
        if (answers.length === 0) return { l, clean: true };
        const errors = answers.map((a) => errorMeaning(l.zone, a)).filter((e): e is string => e !== null);
        if (errors.length === answers.length) {
          return {
            l,
            f: finding(ID, 'warn', `could not check ${l.subject} at ${l.zone}: ${errors[0]}`, {
              evidence,
              fix: 'This is not a listing. Ask through a resolver of your own (a local unbound) instead of a public one, or use the list\'s paid access (Spamhaus DQS).',
            }),
          };
        }
        const listed = answers.filter((a) => errorMeaning(l.zone, a) === null);
        const txt = await ctx.dns.ask(l.name, 'TXT');
        const reason = recordsOf(txt, 'TXT').map(txtValue).join(' ');
        const meaning = /(^|\.)spamhaus\.org$/.test(l.zone) && l.zone.startsWith('zen.') ? listed.map(zenMeaning).filter(Boolean).join('; ') : '';
        return {
          l,
          f: finding(ID, 'fail', `${l.subject} is listed at ${l.zone} (${listed.join(', ')}${meaning ? `: ${meaning}` : ''})`, {
            evidence: `${evidence}${reason ? `\n${l.name} TXT: ${reason}` : ''}`,
            fix: `Look ${l.subject} up at the list's own site (${reason.match(/https?:\/\/\S+/)?.[0] ?? (l.zone.endsWith('spamhaus.org') ? 'https://check.spamhaus.org' : `the operator of ${l.zone}`)}), remove the cause it names (an open relay, a compromised account, a script sending spam), then ask for the delisting. Large receivers refuse or junk mail while it is listed.`,
          }),
        };
      }),
    );
    const out = results.filter((x) => x.f).map((x) => x.f!);
    const clean = results.filter((x) => x.clean);
    if (clean.length > 0) {
      out.push(
        finding(ID, 'pass', `not listed: ${clean.map((c) => `${c.l.subject} at ${c.l.zone}`).join(', ')}`, {
          evidence: clean.map((c) => `${c.l.name} A at ${ctx.dns.label}: no record`).join('\n'),
        }),
      );
    }
    return out;
  },
};
