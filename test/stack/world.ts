/**
 * "The internet" around the test server, on the outside machine: NSD serving the zones the wizard
 * told us to publish (plus a foreign domain and the reverse zone), and an SMTP sink that is the MX
 * of that foreign domain. Only the two namespaces' documentation addresses are used.
 */
import { readFileSync } from 'node:fs';
import { ok, type TestHost } from './testhost.js';

export const FOREIGN = 'elsewhere.test';
const REVERSE = '100.51.198.in-addr.arpa';

function soa(zone: string, serial: number): string {
  return [
    `$ORIGIN ${zone}.`,
    '$TTL 60',
    `@ IN SOA ns.${FOREIGN}. hostmaster.${FOREIGN}. ( ${serial} 3600 600 86400 60 )`,
    `@ IN NS ns.${FOREIGN}.`,
    '',
  ].join('\n');
}

/**
 * `mail-wizard records --format zone` output, as the domain's zone gets it (pasted as printed,
 * comments and all) and the IPv4 PTR requests it prints as commented reverse-zone lines.
 */
export function splitRecords(zoneText: string): { forward: string; ptr: string[] } {
  const ptr = zoneText.split('\n').flatMap((l) => /^;\s*(\S+\.in-addr\.arpa\.\s+\d+\s+IN\s+PTR\s+\S+)\s*$/.exec(l)?.[1] ?? []);
  return { forward: zoneText, ptr };
}

/**
 * Writes the zones and (re)starts NSD on the outside machine; both machines resolve through it.
 * `extra`: more zones, name → records (after the SOA and NS), such as an IPv6 reverse zone.
 */
export async function publishDns(host: TestHost, domain: string, recordsZone: string, serial: number, extra: Record<string, string> = {}): Promise<void> {
  const { forward, ptr } = splitRecords(recordsZone);
  const out = host.outside;
  const zones: Record<string, string> = {
    [domain]: `${soa(domain, serial)}${forward}\n`,
    [FOREIGN]: `${soa(FOREIGN, serial)}ns IN A ${host.outsideAddress}\nmx IN A ${host.outsideAddress}\n@ IN MX 10 mx.${FOREIGN}.\n`,
    [REVERSE]: `${soa(REVERSE, serial)}${ptr.join('\n')}\n10 IN PTR mx.${FOREIGN}.\n`,
    ...Object.fromEntries(Object.entries(extra).map(([name, text]) => [name, `${soa(name, serial)}${text}\n`])),
  };
  for (const [name, text] of Object.entries(zones)) await out.writeFile(`/etc/nsd/zones/${name}.zone`, text);
  await out.writeFile(
    '/etc/nsd/nsd.conf',
    [
      'server:',
      `  ip-address: ${host.outsideAddress}`,
      '  zonesdir: "/etc/nsd/zones"',
      '  pidfile: "/run/nsd.pid"',
      '  username: ""',
      '  database: ""',
      '  verbosity: 1',
      'remote-control:',
      '  control-enable: no',
      ...Object.keys(zones).flatMap((z) => ['zone:', `  name: "${z}"`, `  zonefile: "${z}.zone"`]),
      '',
    ].join('\n'),
  );
  ok(await out.exec(['nsd-checkconf', '/etc/nsd/nsd.conf']));
  // NSD starts even when it refuses a zone: check each one, so a zone it would refuse fails here.
  for (const name of Object.keys(zones)) ok(await out.exec(['nsd-checkzone', name, `/etc/nsd/zones/${name}.zone`]));
  await out.exec(['sh', '-c', '[ -f /run/nsd.pid ] && kill "$(cat /run/nsd.pid)" && sleep 1; true']);
  ok(await out.exec(['nsd', '-c', '/etc/nsd/nsd.conf']));
  for (const machine of [host.server, host.outside]) await machine.writeFile('/etc/resolv.conf', `nameserver ${host.outsideAddress}\n`);
}

/** Starts the SMTP sink of elsewhere.test on the outside machine, keeping messages in /var/sink. */
export async function startSink(host: TestHost): Promise<void> {
  const script = readFileSync(new URL('./clients/smtp-sink.mjs', import.meta.url), 'utf8');
  await host.outside.writeFile('/root/smtp-sink.mjs', script);
  ok(await host.outside.exec(['sh', '-c', `nohup node /root/smtp-sink.mjs ${host.outsideAddress} 25 /var/sink >/var/log/sink.log 2>&1 &`]));
  for (let i = 0; i < 50; i++) {
    if ((await host.outside.readFile('/var/log/sink.log'))?.includes('ready')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the SMTP sink did not start: ${await host.outside.readFile('/var/log/sink.log')}`);
}

/** Polls fn until it returns a value (not null) or the time is up. */
export async function waitFor<T>(what: string, fn: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
