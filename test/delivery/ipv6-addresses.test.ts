/** Which IPv6 addresses of the box smtpd may send from: global ones, as `ip` and OpenBSD's ifconfig print them. */
import { describe, expect, it } from 'vitest';
import { globalIpv6In } from '../../src/delivery/ipv6-ptr.js';
import { reversedLabels } from '../../src/delivery/common.js';

describe('global IPv6 addresses of the box', () => {
  it('from `ip -6 -o addr show scope global` (iproute2)', () => {
    const out = [
      '2: eth0    inet6 2001:db8::25/64 scope global \\       valid_lft forever preferred_lft forever',
      '2: eth0    inet6 fd00::5/64 scope global \\       valid_lft forever preferred_lft forever',
      '3: wg0    inet6 2a01:4f8:c0c:1234::1/64 scope global dynamic mngtmpaddr \\       valid_lft 86000sec preferred_lft 14000sec',
    ].join('\n');
    expect(globalIpv6In(out)).toEqual(['2001:db8::25', '2a01:4f8:c0c:1234::1']);
  });

  it('from OpenBSD `ifconfig -a` (in6_alias: "inet6 ADDR prefixlen N", link-local with %scope)', () => {
    const out = [
      'lo0: flags=2008049<UP,LOOPBACK,RUNNING,MULTICAST,LRO> mtu 32768',
      '\tinet6 ::1 prefixlen 128',
      '\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x3',
      '\tinet 127.0.0.1 netmask 0xff000000',
      'vio0: flags=a48843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,INET6_NOPRIVACY,AUTOCONF6TEMP,AUTOCONF6> mtu 1500',
      '\tinet6 fe80::5054:ff:fe12:3456%vio0 prefixlen 64 scopeid 0x1',
      '\tinet6 2001:db8:1::25 prefixlen 64 autoconf pltime 604317 vltime 2591517',
    ].join('\n');
    expect(globalIpv6In(out)).toEqual(['2001:db8:1::25']);
  });

  it('reverse names: IPv4 octets and IPv6 nibbles', () => {
    expect(reversedLabels('192.0.2.25')).toBe('25.2.0.192');
    expect(reversedLabels('2001:db8::25')).toBe('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
    expect(reversedLabels('2001:db8:1:2:3:4:5:6')).toBe('6.0.0.0.5.0.0.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2');
  });
});
