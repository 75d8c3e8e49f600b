/** Who the aliases reach: the local user behind postmaster@, or nobody here when it is elsewhere. */
import { describe, expect, it } from 'vitest';
import { postmasterUser, wantedAliases } from '../../recipes/templates/aliases.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';

const answers = { ...DEMO_ANSWERS, users: ['alice', 'bob'] };

describe('postmasterUser', () => {
  it.each([
    ['bob', 'bob'],
    ['bob@example.org', 'bob'],
    ['bob@EXAMPLE.org', 'bob'],
    ['carol@elsewhere.test', null],
    ['bob@mail.example.org', 'bob'],
    ['dave@example.org', null],
  ])('postmaster %s reaches %s', (postmaster, user) => expect(postmasterUser({ ...answers, postmaster })).toBe(user));
});

describe('wantedAliases', () => {
  it('postmaster to its person; abuse, hostmaster, root, the TLS-RPT and DMARC report addresses to the postmaster', () => {
    expect(wantedAliases({ ...answers, postmaster: 'bob' })).toEqual([
      ['postmaster', 'bob'],
      ['abuse', 'postmaster'],
      ['hostmaster', 'postmaster'],
      ['root', 'postmaster'],
      ['tlsrpt', 'postmaster'],
      ['dmarc-reports', 'postmaster'],
    ]);
  });

  it('a user named tlsrpt reads the TLS-RPT reports himself: no alias shadows him', () => {
    expect(wantedAliases({ ...answers, users: [...answers.users, 'tlsrpt'] }).map(([n]) => n)).not.toContain('tlsrpt');
  });

  it('no alias for a report address that is a user, or that is elsewhere', () => {
    expect(wantedAliases({ ...answers, dmarcReports: 'alice@example.org' }).map(([n]) => n)).not.toContain('alice');
    expect(wantedAliases({ ...answers, dmarcReports: 'r@elsewhere.test' })).toHaveLength(5);
  });
});
