/** --nameserver parsing and resolv.conf parsing: pure, table-driven. */
import { describe, expect, it } from 'vitest';
import { inZone, parseNameserverArg, parseNameserverArgs, parseResolvConf } from '../../src/dns/discovery.js';

describe('parseNameserverArg', () => {
  it.each([
    ['192.0.2.53', '192.0.2.53', 53],
    ['192.0.2.53:5353', '192.0.2.53', 5353],
    ['::1', '::1', 53],
    ['[::1]', '::1', 53],
    ['[::1]:5353', '::1', 5353],
    ['[2001:db8::53]:53', '2001:db8::53', 53],
    ['[127.0.0.1]:5353', '127.0.0.1', 5353],
    ['ns1.example.net', 'ns1.example.net', 53],
    ['NS1.Example.NET.:5300', 'ns1.example.net', 5300],
    [' 127.0.0.1:1 ', '127.0.0.1', 1],
    // without brackets an IPv6 address keeps all its groups: the port is never guessed
    ['2001:db8::1:53', '2001:db8::1:53', 53],
  ])('%s → %s port %d', (value, host, port) => {
    expect(parseNameserverArg(value)).toEqual({ ok: true, spec: { host, port } });
  });

  it.each([
    ['', 'needs a value'],
    ['127.0.0.1:0', 'the port 0 is out of range'],
    ['127.0.0.1:65536', 'the port 65536 is out of range'],
    ['127.0.0.1:abc', 'the port "abc" is not a number'],
    ['127.0.0.1:', 'the port "" is not a number'],
    ['[::1]:x', 'the port "x" is not a number'],
    ['[example.org]:53', 'in brackets is not an IP address'],
    ['[::1', 'write an IPv6 address with a port as [ADDR]:PORT'],
    ['999.1.2.3', 'is neither an IP address nor a host name'],
    ['bad_host!', 'is neither an IP address nor a host name'],
    ['a:b:c', 'write an IPv6 address with a port as [ADDR]:PORT'],
  ])('%s is refused: %s', (value, words) => {
    const r = parseNameserverArg(value);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(words);
      expect(r.error.startsWith('--nameserver')).toBe(true);
    }
  });

  it('collects every error of a list', () => {
    const r = parseNameserverArgs(['127.0.0.1:5353', 'x:y', '[::1]:0']);
    expect(r.specs).toEqual([{ host: '127.0.0.1', port: 5353 }]);
    expect(r.errors).toHaveLength(2);
  });
});

describe('parseResolvConf', () => {
  it('nameservers (OpenBSD [addr]:port too), search, ndots, lookup, comments', () => {
    const rc = parseResolvConf(
      [
        '# generated',
        'nameserver 192.0.2.1',
        'nameserver [127.0.0.1]:5353  # local',
        'nameserver fe80::1%eth0',
        '; old comment',
        'nameserver not-an-ip',
        'search example.org Example.NET.',
        'options rotate ndots:2',
        'lookup bind file',
      ].join('\n'),
    );
    expect(rc.nameservers).toEqual([
      { host: '192.0.2.1', port: 53 },
      { host: '127.0.0.1', port: 5353 },
      { host: 'fe80::1', port: 53 },
    ]);
    expect(rc.search).toEqual(['example.org', 'example.net']);
    expect(rc.ndots).toBe(2);
    expect(rc.lookup).toEqual(['bind', 'file']);
  });

  it('domain sets the search list; no nameserver means 127.0.0.1', () => {
    const rc = parseResolvConf('domain example.org\n');
    expect(rc.search).toEqual(['example.org']);
    expect(rc.nameservers).toEqual([{ host: '127.0.0.1', port: 53 }]);
    expect(parseResolvConf('').ndots).toBe(1);
  });
});

describe('inZone', () => {
  it.each([
    ['example.org', 'example.org', true],
    ['mail.example.org.', 'Example.org', true],
    ['badexample.org', 'example.org', false],
    ['10.2.0.192.in-addr.arpa', '2.0.192.in-addr.arpa', true],
    ['anything', '', true],
  ])('%s in %s: %s', (n, z, want) => expect(inZone(n, z)).toBe(want));
});
