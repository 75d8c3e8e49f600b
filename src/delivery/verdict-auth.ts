/**
 * A receiver's three checks of one message, each done by mailauth: DKIM (dkimVerify), SPF (spf) and
 * DMARC (dmarc), put together as mailauth's own authenticate() puts them (lib/mailauth.js: the SPF
 * domain counts for DMARC only when SPF passed; each passing signature's domain is offered for
 * alignment), with strict alignment made exact (withStrictAlignment, below). Not authenticate()
 * itself: it also loads ARC and BIMI, and BIMI brings an HTTP client (undici) that would add about a
 * megabyte to the release for nothing we ask. The stack suite judges the same messages with
 * authenticate() at the outside MX and gets the same line.
 */
import type { AuthOutcome } from './verdict-report.js';
import type { MailauthResolver } from './verdict-dns.js';

export interface Connection {
  /** The address the message comes from. */
  ip: string;
  /** The HELO/EHLO name. */
  helo: string;
  /** MAIL FROM. */
  sender: string;
  /** The evaluating server's name, shown in the Authentication-Results text. */
  mta: string;
}

export async function judgeMessage(message: string, connection: Connection, resolver: MailauthResolver): Promise<AuthOutcome> {
  // loaded on first use: listing or running the other checks never evaluates them
  const [{ dkimVerify }, { spf }, { dmarc }] = await Promise.all([
    import('mailauth/lib/dkim/verify.js'),
    import('mailauth/lib/spf/index.js'),
    import('mailauth/lib/dmarc/index.js'),
  ]);
  const resolve = resolver as never;
  const dkim = await dkimVerify(message, { resolver: resolve, sender: connection.sender });
  const spfResult = await spf({ ip: connection.ip, helo: connection.helo, sender: connection.sender, mta: connection.mta, resolver: resolve });
  const passed = (dkim.results ?? []).filter((r) => r.status.result === 'pass');
  const dmarcResult =
    dkim.headerFrom && dkim.headerFrom.length > 0
      ? await dmarc({
          headerFrom: dkim.headerFrom,
          spfDomains: spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
          dkimDomains: passed.map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
          resolver: resolve,
        } as never)
      : false;
  const outcome = { spf: spfResult, dkim, dmarc: dmarcResult } as unknown as AuthOutcome;
  return withStrictAlignment(outcome, spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [], passed.map((r) => r.signingDomain));
}

type DmarcOutcome = Exclude<AuthOutcome['dmarc'], false>;
type Alignment = { result?: string | false; strict?: boolean };

const lower = (d: string): string => d.toLowerCase().replace(/\.$/, '');

/**
 * Strict alignment (adkim=s, aspf=s) is an exact match of the From domain (RFC 9989, as RFC 7489
 * §3.1 said). mailauth 4's getAlignment (lib/tools.js) falls back to the organizational domain even
 * then, the mistake OpenDMARC fixed in its PR 268: a From at news.example.org passes on a signature
 * of example.org. So a pass it gives under a strict record is checked again, exactly.
 */
export function withStrictAlignment(outcome: AuthOutcome, spfDomains: readonly string[], dkimDomains: readonly string[]): AuthOutcome {
  const dmarc = outcome.dmarc as (DmarcOutcome & { alignment?: { spf?: Alignment; dkim?: Alignment } }) | false;
  if (!dmarc || dmarc.status.result !== 'pass' || !dmarc.alignment) return outcome;
  const from = lower(outcome.dkim.headerFrom?.[0]?.split('@').pop() ?? '');
  const { spf = {}, dkim = {} } = dmarc.alignment;
  const spfOk = spf.strict ? spfDomains.some((d) => lower(d) === from) : Boolean(spf.result);
  const dkimOk = dkim.strict ? dkimDomains.some((d) => lower(d) === from) : Boolean(dkim.result);
  if (spfOk || dkimOk) return outcome;
  const strictness = [spf.strict ? 'aspf=s' : '', dkim.strict ? 'adkim=s' : ''].filter(Boolean).join(' ');
  return {
    ...outcome,
    dmarc: {
      ...dmarc,
      status: { ...dmarc.status, result: 'fail', comment: `${dmarc.status.comment || ''} ${strictness}: strict alignment wants ${from} exactly`.trim() },
      alignment: { spf: { ...spf, result: false }, dkim: { ...dkim, result: false } },
    },
  };
}
