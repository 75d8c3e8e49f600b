/**
 * A receiver's three checks of one message, each done by mailauth: DKIM (dkimVerify), SPF (spf) and
 * DMARC (dmarc), put together as mailauth's own authenticate() puts them (lib/mailauth.js: the SPF
 * domain counts for DMARC only when SPF passed; each passing signature's domain is offered for
 * alignment). Not authenticate() itself: it also loads ARC and BIMI, and BIMI brings an HTTP client
 * (undici) that would add about a megabyte to the release for nothing we ask. The stack suite judges
 * the same messages with authenticate() at the outside MX and gets the same line.
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
  return { spf: spfResult, dkim, dmarc: dmarcResult } as unknown as AuthOutcome;
}
