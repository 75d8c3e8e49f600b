/** How this machine resolves localhost: /etc/hosts, lookup order, search domains. */
import { describe, expect, it } from 'vitest';
import { checkLocalResolution, hostsAddresses, localhostSearchNames } from '../../src/dns/local-resolution.js';

const DEBIAN_HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tmail.example.org mail\n\n# IPv6\n::1     localhost ip6-localhost ip6-loopback\n';

describe('local localhost resolution', () => {
  it.each<[string, { hosts: string; resolvConf: string; nsswitch?: string }, Map<string, string[]> | undefined, string, string]>([
    ['Debian defaults', { hosts: DEBIAN_HOSTS, resolvConf: 'nameserver 192.0.2.1\nsearch example.org\n' }, undefined, 'pass', 'maps localhost to 127.0.0.1, ::1'],
    ['IPv4 only', { hosts: '127.0.0.1 localhost\n', resolvConf: '' }, undefined, 'pass', 'no ::1 line'],
    ['localhost mapped to the public address', { hosts: '192.0.2.10 localhost mail\n', resolvConf: '' }, undefined, 'fail', 'maps localhost to 192.0.2.10'],
    ['no localhost, search domain, DNS clean', { hosts: '', resolvConf: 'search example.org\n' }, new Map([['localhost.example.org', []]]), 'warn', 'first looked up in DNS as localhost.example.org'],
    ['no localhost, search domain, wildcard in DNS', { hosts: '', resolvConf: 'search example.org\n' }, new Map([['localhost.example.org', ['192.0.2.10']]]), 'fail', 'localhost.example.org (→ 192.0.2.10)'],
    ['OpenBSD: DNS before the hosts file', { hosts: '127.0.0.1 localhost\n', resolvConf: 'lookup bind file\nsearch example.org\n' }, new Map([['localhost.example.org', ['192.0.2.10']]]), 'fail', 'lookup bind file'],
    ['nsswitch: dns before files', { hosts: '127.0.0.1 localhost\n', resolvConf: 'search example.org\n', nsswitch: 'passwd: files\nhosts: dns files\n' }, undefined, 'warn', 'hosts: dns files'],
    ['nsswitch: files first', { hosts: '127.0.0.1 localhost\n', resolvConf: 'search example.org\n', nsswitch: 'hosts: files mdns4_minimal [NOTFOUND=return] dns\n' }, undefined, 'pass', ''],
    ['no localhost, no search', { hosts: '', resolvConf: 'nameserver 192.0.2.1\n' }, undefined, 'warn', 'resolved through DNS'],
    ['DNS answers loopback: fine', { hosts: '', resolvConf: 'search example.org\n' }, new Map([['localhost.example.org', ['127.0.0.1']]]), 'warn', 'first looked up'],
  ])('%s → %s', (_name, input, dns, want, words) => {
    const f = checkLocalResolution({ ...input, hostsPath: '/etc/hosts' }, dns);
    const status = f.some((x) => x.status === 'fail') ? 'fail' : f.some((x) => x.status === 'warn') ? 'warn' : 'pass';
    expect(status).toBe(want);
    expect(f.every((x) => x.check === 'local-localhost')).toBe(true);
    expect(f.map((x) => x.summary).join('\n')).toContain(words);
  });

  it('hostsAddresses ignores comments and other names', () => {
    expect(hostsAddresses('# 192.0.2.1 localhost\n127.0.0.1 localhost.localdomain localhost\n10.0.0.1 notlocalhost\n', 'localhost')).toEqual(['127.0.0.1']);
  });

  it('search names follow ndots', () => {
    expect(localhostSearchNames('search a.example b.example\n')).toEqual(['localhost.a.example', 'localhost.b.example']);
    expect(localhostSearchNames('search a.example\noptions ndots:0\n')).toEqual([]);
  });
});
