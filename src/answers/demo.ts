/** Built-in answers on documentation names and addresses (RFC 2606, RFC 5737, RFC 3849). */
import type { Answers } from './schema.js';

export const DEMO_ANSWERS: Answers = {
  domain: 'example.org',
  hostname: 'mail.example.org',
  ipv4: '192.0.2.25',
  ipv6: '2001:db8::25',
  users: ['alice', 'bob'],
  postmaster: 'alice',
  dkimSelector: 'mail2026',
  dmarcPolicy: 'quarantine',
  dmarcReports: 'dmarc-reports@example.org',
  tls: { mode: 'acme' },
};
