/**
 * A real ACME CA on "the internet": pebble (Let's Encrypt's test server, Debian package `pebble`)
 * on the outside machine, resolving the names it validates through the suite's NSD and checking
 * http-01 challenges on port 80 of the real server address. Its API is served over TLS with a
 * certificate for the outside machine's address, signed by a throw-away CA made here (pebble's
 * own listener certificate names only localhost): clients trust it through that CA's file.
 */
import { ok, type TestHost } from './testhost.js';
import { waitFor } from './world.js';

export interface PebbleOptions {
  /** Its files are under /etc/NAME, its log is /var/log/NAME.log (two can run: two CAs). */
  name: string;
  /** The ACME API's port (443: a directory URL without a port); the management API's. */
  port: number;
  managementPort: number;
}

export interface Pebble {
  /** The ACME directory URL (the answers' tls.directory). */
  directory: string;
  /** The CA file (PEM) that makes pebble's API certificate verify, as text. */
  listenerCa: string;
  /** The root that signs the certificates pebble issues (from its management API), PEM. */
  root(): Promise<string>;
  /** pebble's log so far. */
  log(): Promise<string>;
}

/**
 * Makes pebble's API certificate, writes its config and starts it on the outside machine; returns
 * once its directory answers over TLS that verifies against the listener CA.
 */
export async function startPebble(host: TestHost, options: PebbleOptions = { name: 'pebble', port: 443, managementPort: 15000 }): Promise<Pebble> {
  const out = host.outside;
  const address = host.outsideAddress;
  const DIR = `/etc/${options.name}`;
  const LOG = `/var/log/${options.name}.log`;
  // The CA that signed pebble's API certificate: what an ACME client must trust to talk to it.
  const LISTENER_CA = `${DIR}/listener-ca.pem`;
  ok(await out.exec(['mkdir', '-p', DIR]));
  // The listener CA and pebble's API certificate for the outside address (an IP SAN).
  ok(await out.exec(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=stack suite ACME listener CA', '-keyout', `${DIR}/listener-ca.key`, '-out', LISTENER_CA]));
  ok(await out.exec(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', `/CN=${address}`, '-keyout', `${DIR}/api.key`, '-out', `${DIR}/api.csr`]));
  await out.writeFile(`${DIR}/api.ext`, `subjectAltName = IP:${address}\nextendedKeyUsage = serverAuth\n`);
  ok(await out.exec(['openssl', 'x509', '-req', '-in', `${DIR}/api.csr`, '-CA', LISTENER_CA, '-CAkey', `${DIR}/listener-ca.key`,
    '-CAcreateserial', '-days', '2', '-extfile', `${DIR}/api.ext`, '-out', `${DIR}/api.pem`]));
  await out.writeFile(
    `${DIR}/pebble-config.json`,
    JSON.stringify({
      pebble: {
        // 443 (the first), so the directory URL has no port: OpenBSD's acme-client reads one only since
        // netproc.c's url2host() learnt to ("extract port"); older builds (6.6) take everything
        // after "https://" up to "/" as the host name.
        listenAddress: `${address}:${options.port}`,
        managementListenAddress: `${address}:${options.managementPort}`,
        certificate: `${DIR}/api.pem`,
        privateKey: `${DIR}/api.key`,
        // The real challenge ports (pebble's defaults are 5002 and 5001, for its own test setup).
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }, null, 2),
  );
  // PEBBLE_VA_NOSLEEP: no random wait before validating; PEBBLE_WFE_NONCEREJECT=0: no random
  // badNonce rejections (both documented in pebble's README): the outcome then depends only on
  // what the wizard set up.
  ok(await out.exec(['sh', '-c', `nohup env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config ${DIR}/pebble-config.json -dnsserver ${address}:53 >${LOG} 2>&1 &`]));

  const directory = options.port === 443 ? `https://${address}/dir` : `https://${address}:${options.port}/dir`;
  const get = (url: string) =>
    out.exec(['node', '-e', 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))', url], {
      env: { NODE_EXTRA_CA_CERTS: LISTENER_CA },
    });
  await waitFor('pebble\'s ACME directory over verified TLS', async () => {
    const r = await get(directory);
    return r.exitCode === 0 && r.stdout.includes('newAccount') ? true : null;
  }, 60_000).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await out.readFile(LOG)}`);
  });
  return {
    directory,
    listenerCa: (await out.readFile(LISTENER_CA)) ?? '',
    root: async () => ok(await get(`https://${address}:${options.managementPort}/roots/0`)).stdout,
    log: async () => (await out.readFile(LOG)) ?? '',
  };
}

/** What a port serves, seen from the outside machine: the leaf's serial and issuer, and the verify result. */
export interface Served {
  serial: string;
  issuer: string;
  subjectAltName: string;
  /** openssl's "Verify return code" line against the given CA file. */
  verify: string;
}

const STARTTLS: Record<number, string | undefined> = { 25: 'smtp', 587: 'smtp', 143: 'imap' };

/**
 * openssl s_client from the outside machine to the server's port (STARTTLS where the port wants
 * it), verifying against caFile (a path in the outside machine) for the host name.
 */
export async function served(host: TestHost, port: number, hostname: string, caFile: string): Promise<Served | null> {
  const starttls = STARTTLS[port];
  const r = await host.execOutside([
    'sh', '-c',
    // s_client prints the leaf with -showcerts off; x509 reads the first certificate of it.
    'out=$(openssl s_client "$@" </dev/null 2>&1) || true; printf "%s\\n" "$out" | grep "Verify return code" | head -1; printf "%s\\n" "$out" | openssl x509 -noout -serial -issuer -ext subjectAltName',
    'sh', '-connect', `${host.serverAddress}:${port}`, '-servername', hostname, '-verify_hostname', hostname, '-CAfile', caFile,
    ...(starttls ? ['-starttls', starttls] : []),
  ], { timeoutMs: 30_000 });
  const serial = /^serial=(\S+)/m.exec(r.stdout)?.[1];
  if (r.exitCode !== 0 || !serial) return null;
  return {
    serial,
    issuer: /^issuer=(.*)$/m.exec(r.stdout)?.[1] ?? '',
    // "critical" follows the name when the subject is empty (pebble's certificates).
    subjectAltName: /X509v3 Subject Alternative Name:[^\n]*\n\s*(.*)/.exec(r.stdout)?.[1] ?? '',
    verify: /Verify return code: .*/.exec(r.stdout)?.[0] ?? '',
  };
}
