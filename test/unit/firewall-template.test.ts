/** The firewall's pure parts: sshd's ports, the marked block in a shared file, the stock pf.conf. */
import { describe, expect, it } from 'vitest';
import { firewallBlock, hasFirewallBlock, openPorts, pfConfIsOurs, renderNftRevert, withFirewallBlock } from '../../recipes/templates/firewall.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { listenersFromNetstat, listenersFromSs } from '../../src/platform/listeners.js';
import { portsFromSshdConfig, portsFromSshdT, sessionSshPort } from '../../src/platform/sshd.js';

// OpenBSD's stock /etc/pf.conf ($OpenBSD: pf.conf,v 1.55 2017/12/03 20:40:04 sthen Exp $).
const STOCK_PF = `#\t$OpenBSD: pf.conf,v 1.55 2017/12/03 20:40:04 sthen Exp $
#
# See pf.conf(5) and /etc/examples/pf.conf

set skip on lo

block return\t# block stateless traffic
pass\t\t# establish keep-state

# By default, do not permit remote connections to X11
block return in on ! lo0 proto tcp to port 6000:6010

# Port build user does not need network
block return out log proto {tcp udp} user _pbuild
`;

describe('sshd ports', () => {
  it('from sshd -T: port lines and listen addresses with a port', () => {
    const t = 'port 22\nport 2222\naddressfamily any\nlistenaddress [::]:2222\nlistenaddress 0.0.0.0:2200\npermitrootlogin without-password\n';
    expect(portsFromSshdT(t)).toEqual([22, 2222, 2200]);
  });
  it('from sshd_config: Port lines before the first Match, comments ignored, junk refused', () => {
    expect(portsFromSshdConfig('#Port 22\nPort 2222\nport=2022\nPort 99999\nMatch User x\n Port 1\n')).toEqual([2222, 2022]);
  });
  it('from SSH_CONNECTION: the server-side port, or nothing', () => {
    expect(sessionSshPort({ SSH_CONNECTION: '203.0.113.9 51234 198.51.100.25 2222' })).toBe(2222);
    expect(sessionSshPort({})).toBeNull();
    expect(sessionSshPort({ SSH_CONNECTION: 'garbage' })).toBeNull();
  });
  it('SSH ports join the mail ports once each, sorted', () => {
    const ports = openPorts({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' }, mtaSts: 'off' } }, [{ port: 2222, why: 'a' }, { port: 25, why: 'b' }]).map((p) => p.port);
    expect(ports).toEqual([25, 143, 465, 587, 993, 2222]);
  });
  it('443 is open when the web server serves the MTA-STS policy (mtaSts on), shut when it is off', () => {
    const on = openPorts({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' }, mtaSts: 'testing' } });
    expect(on.find((p) => p.port === 443)?.why).toMatch(/MTA-STS/);
    expect(openPorts({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' }, mtaSts: 'off' } }).map((p) => p.port)).not.toContain(443);
  });
});

describe('the marked block in a shared firewall file', () => {
  it('is appended once, then replaced in place; every other line stays', () => {
    const admin = '#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n}\n';
    const once = withFirewallBlock(debian, admin);
    expect(once.startsWith(admin)).toBe(true);
    expect(once).toContain('\n# BEGIN mail-wizard: ');
    expect(hasFirewallBlock(debian, once)).toBe(true);
    expect(hasFirewallBlock(debian, admin)).toBe(false);
    expect(withFirewallBlock(debian, once)).toBe(once);
    const edited = once.replace('include', 'include-old');
    expect(hasFirewallBlock(debian, edited)).toBe(false);
    expect(withFirewallBlock(debian, edited)).toBe(once);
    const after = `${once}# the admin's line after ours\n`;
    expect(withFirewallBlock(debian, after)).toBe(after);
  });
  it('a missing nftables.conf starts as an nft script', () => {
    expect(withFirewallBlock(debian, null)).toMatch(/^#!\/usr\/sbin\/nft -f\n\n# BEGIN mail-wizard: .*\ninclude "\/etc\/nftables\.mail-wizard\.conf"\n# END mail-wizard\n$/);
  });
  it('OpenBSD: an anchor and a load anchor line (pf.conf(5), ANCHORS)', () => {
    expect(firewallBlock(openbsd).lines).toEqual(['anchor "mail-wizard"', 'load anchor "mail-wizard" from "/etc/pf.mail-wizard.conf"']);
  });
});

describe('pf.conf: ours to replace only when stock', () => {
  it('the stock file (and a missing one) may be replaced; any change makes it the admin\'s', () => {
    expect(pfConfIsOurs(STOCK_PF, openbsd)).toBe(true);
    expect(pfConfIsOurs(null, openbsd)).toBe(true);
    expect(pfConfIsOurs(STOCK_PF.replace('pass\t\t#', 'pass in on egress proto tcp to port 8080\npass\t\t#'), openbsd)).toBe(false);
    expect(pfConfIsOurs(`${STOCK_PF}anchor "relayd/*"\n`, openbsd)).toBe(false);
  });
});

describe('the revert file', () => {
  it('puts the previous table back, or removes ours when there was none', () => {
    expect(renderNftRevert(null)).toBe('table inet mail_wizard\ndelete table inet mail_wizard\n');
    expect(renderNftRevert('table inet mail_wizard {\n}\n')).toBe('table inet mail_wizard\ndelete table inet mail_wizard\ntable inet mail_wizard {\n}\n');
  });
});

describe('services listening now (kept reachable)', () => {
  it('ss -Hltnp: public listeners with their program; loopback ones left out', () => {
    const ss = [
      'LISTEN 0      511          0.0.0.0:443        0.0.0.0:*    users:(("nginx",pid=712,fd=6),("nginx",pid=711,fd=6))',
      'LISTEN 0      511             [::]:443           [::]:*    users:(("nginx",pid=712,fd=7))',
      'LISTEN 0      128          0.0.0.0:2222       0.0.0.0:*    users:(("sshd",pid=90,fd=3))',
      'LISTEN 0      511        127.0.0.1:6379       0.0.0.0:*    users:(("redis-server",pid=5,fd=6))',
      'LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*',
      'LISTEN 0      511            [::1]:11334         [::]:*',
      'LISTEN 0      128                *:8080             *:*',
    ].join('\n');
    expect(listenersFromSs(ss)).toEqual([{ port: 443, program: 'nginx' }, { port: 2222, program: 'sshd' }, { port: 8080 }]);
  });
  it('OpenBSD netstat -an -p tcp: ADDRESS.PORT, LISTEN only, loopback left out', () => {
    const netstat = [
      'Active Internet connections (including servers)',
      'Proto   Recv-Q Send-Q  Local Address          Foreign Address        (state)',
      'tcp          0      0  198.51.100.25.22       203.0.113.9.51234      ESTABLISHED',
      'tcp          0      0  *.443                  *.*                    LISTEN',
      'tcp          0      0  127.0.0.1.25           *.*                    LISTEN',
      'tcp6         0      0  *.443                  *.*                    LISTEN',
      'tcp6         0      0  ::1.25                 *.*                    LISTEN',
    ].join('\n');
    expect(listenersFromNetstat(netstat)).toEqual([{ port: 443 }]);
  });
  it('kept ports come after SSH and mail, and never rename a mail port', () => {
    const answers = { ...DEMO_ANSWERS, tls: { mode: 'self-signed' as const }, mtaSts: 'off' as const };
    const ports = openPorts({ answers }, [{ port: 2222, why: 'SSH' }], [{ port: 25, why: 'listening now (smtpd)' }, { port: 443, why: 'listening now (nginx)' }]);
    expect(ports.find((p) => p.port === 25)?.why).toBe('SMTP from other mail servers');
    expect(ports.find((p) => p.port === 443)?.why).toBe('listening now (nginx)');
  });
});
