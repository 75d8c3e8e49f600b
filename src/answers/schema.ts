/**
 * The answers: everything mail-wizard needs to know about the server, saved as JSON so that a
 * rerun never asks again. No secret ever lives here (passwords and keys stay on the box).
 */

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** MTA-STS (RFC 8461): off; testing (senders report, still deliver); enforce (senders refuse mail without valid TLS). */
export type MtaStsMode = 'off' | 'testing' | 'enforce';
export const MTA_STS_MODES: readonly MtaStsMode[] = ['off', 'testing', 'enforce'];

/** Let's Encrypt's production ACME directory: where `acme` gets its certificate unless told otherwise. */
export const LETSENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging directory (untrusted certificates, generous rate limits): for a first try. */
export const LETSENCRYPT_STAGING_DIRECTORY = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export type TlsChoice =
  /** directory: the CA's ACME directory URL; absent means Let's Encrypt's production one. */
  | { mode: 'acme'; directory?: string }
  | { mode: 'self-signed' }
  | { mode: 'existing'; cert: string; key: string };

export interface Answers {
  /** The mail domain: what follows the @ in addresses (example.org). */
  domain: string;
  /** The server's fully qualified name: MX target, HELO name, certificate name, PTR value. */
  hostname: string;
  /** The server's public IPv4 address. */
  ipv4: string;
  /** The server's public IPv6 address, when it has one. */
  ipv6?: string;
  /** Local (UNIX) accounts that receive mail as user@domain. */
  users: string[];
  /** Who reads postmaster@, abuse@ and root's mail: a local user or an address elsewhere. */
  postmaster: string;
  /** The DKIM selector: the key is published at <selector>._domainkey.<domain>. */
  dkimSelector: string;
  /**
   * Every DKIM selector whose record stays published, oldest first (absent: only dkimSelector).
   * Before dkimSelector: retired keys in their grace period (mail signed with them may still be
   * checked); after it: a key `dkim rotate` made that waits for its record to be published.
   */
  dkimPublished?: string[];
  dmarcPolicy: DmarcPolicy;
  /** Where aggregate DMARC reports go (rua=mailto:...), when wanted. */
  dmarcReports?: string;
  tls: TlsChoice;
  /**
   * MTA-STS mode; absent means `testing` (`off` with an existing certificate). On (testing or enforce), a web server serves the policy at
   * mta-sts.<domain> and the mail client autoconfig file at autoconfig.<domain>.
   */
  mtaSts?: MtaStsMode;
  /**
   * Extra addresses at the domain: alias name → its targets (local users, other aliases, or
   * addresses elsewhere). Kept by `mail-wizard alias add/remove`; postmaster, abuse, hostmaster
   * and root are the wizard's own and not listed here.
   */
  aliases?: Record<string, string[]>;
  /**
   * Send outgoing mail through this relay host (HOST or HOST:PORT, STARTTLS required) instead of
   * to each recipient's MX: for a provider that blocks outbound port 25. Only in the file, never
   * asked; a relay that wants a login is not supported (no secret lives in the answers).
   */
  relayHost?: string;
}

/** Fields of the file that the interview does not ask for. */
export const FILE_ONLY_FIELDS = ['relayHost'] as const;

/** One question of the interview / one field of the file, in the order a person answers them. */
export interface FieldSpec {
  key: keyof Answers;
  question: string;
  /** One line: why we ask, shown under the question. */
  why: string;
  optional?: boolean;
}

export const FIELDS: readonly FieldSpec[] = [
  {
    key: 'domain',
    question: 'Mail domain (the part after @)',
    why: 'Addresses are user@<domain>; SPF, DKIM and DMARC are published at this name.',
  },
  {
    key: 'hostname',
    question: 'Server host name (FQDN)',
    why: 'The machine, often mail.<domain>: MX target, HELO name, certificate, PTR.',
  },
  { key: 'ipv4', question: 'Public IPv4 address', why: 'Goes into the A record, SPF and the PTR you ask your provider for.' },
  {
    key: 'ipv6',
    question: 'Public IPv6 address (empty if none)',
    why: 'Mail to big providers over IPv6 needs AAAA, SPF and PTR for it too.',
    optional: true,
  },
  { key: 'users', question: 'Local users that receive mail (comma separated)', why: 'Each UNIX account gets user@<domain> and ~/Maildir.' },
  {
    key: 'postmaster',
    question: 'Who reads postmaster@, abuse@ and root mail',
    why: 'RFC 5321 requires postmaster@; a local user or an address elsewhere.',
  },
  { key: 'dkimSelector', question: 'DKIM selector', why: 'Its DNS name is <selector>._domainkey.<domain>; a new one rotates keys.' },
  { key: 'dmarcPolicy', question: 'DMARC policy (none, quarantine, reject)', why: 'What receivers do with mail that fails SPF and DKIM alignment.' },
  {
    key: 'dmarcReports',
    question: 'Address for DMARC aggregate reports (empty for none)',
    why: 'Receivers send daily XML reports there; useful in the first weeks.',
    optional: true,
  },
  {
    key: 'tls',
    question: 'TLS certificate (acme, self-signed, existing)',
    why: 'acme: a free trusted certificate (port 80 must be open); self-signed: tests.',
  },
  {
    key: 'mtaSts',
    question: 'MTA-STS (off, testing, enforce)',
    why: 'Tells senders to use TLS to reach you; a web server serves it at mta-sts.<domain>. testing: reports only.',
    optional: true,
  },
];

/** The ACME directory the certificate comes from (acme mode). */
export function acmeDirectory(tls: TlsChoice): string {
  return (tls.mode === 'acme' && tls.directory) || LETSENCRYPT_DIRECTORY;
}
