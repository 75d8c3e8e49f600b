/**
 * The SRV check (RFC 6186): mail clients that look up _submissions._tcp, _submission._tcp, _imaps._tcp
 * and _imap._tcp at the mail domain find this host and the port it listens on for each; _pop3 and
 * _pop3s say "not offered" (target ".", RFC 2782), since the server has no POP3. A wrong port
 * sends clients to a closed door (fail); a missing record leaves them to guess (warn).
 */
import type { Finding } from '../../engine/types.js';
import { clientSrvNotOffered, clientSrvRecords, srvData, type ClientSrv } from '../../published/autoconfig.js';
import { recordsOf } from '../client.js';
import { normalizeName } from '../records.js';
import { absence, answered, couldNotCheck, expectedOf, finding, publish, seen } from './shared.js';
import type { CheckFn, CheckInput } from './types.js';

const service = (name: string): string => name.split('.')[0]!.slice(1);

async function checkOne(input: CheckInput, want: ClientSrv, offered: boolean): Promise<Finding | null> {
  const host = normalizeName(input.answers.hostname);
  const domain = normalizeName(input.answers.domain);
  const exp = expectedOf(input, 'srv', want.name);
  const r = await input.lookup.ask(want.name, 'SRV');
  if (!answered(r)) return couldNotCheck('srv', want.name, r);
  const srvs = recordsOf(r, 'SRV').filter((x) => x.name === want.name);
  const svc = service(want.name);
  if (srvs.length === 0) {
    if (!offered) return finding('srv', 'warn', `no ${want.name} record: ${absence(r)}; clients may try ${svc} at ${host}, which this server does not offer`, { evidence: seen(r), fix: publish(exp) });
    // the usual slip: made under the host name
    const underHost = host === domain ? undefined : `${want.name.slice(0, -domain.length)}${host}`;
    const slip = underHost ? await input.lookup.ask(underHost, 'SRV') : undefined;
    const found = slip !== undefined && recordsOf(slip, 'SRV').length > 0;
    return finding('srv', 'warn', `no ${want.name} record: ${found ? `found at ${underHost}, must be at ${want.name} (clients look up the domain of the address)` : absence(r)}; mail clients cannot find ${svc} by themselves (set up by hand they still work)`, {
      evidence: found ? `${seen(r)}\n${seen(slip)}` : seen(r),
      fix: publish(exp),
    });
  }
  if (!offered) {
    if (srvs.every((x) => x.target === '')) return null;
    return finding('srv', 'warn', `${want.name} points clients at ${svc} on ${srvs.map((x) => `${x.target}:${x.port}`).join(', ')}, which this server does not offer`, { evidence: seen(r), fix: `replace it: ${publish(exp)}` });
  }
  if (srvs.some((x) => x.target === '')) {
    return finding('srv', 'warn', `${want.name} says ${svc} is not offered (target "."), but ${host} offers it on port ${want.port}`, { evidence: seen(r), fix: `replace it: ${publish(exp)}` });
  }
  const wrongPort = srvs.find((x) => x.port !== want.port);
  if (wrongPort) {
    return finding('srv', 'fail', `${want.name} says port ${wrongPort.port}; the server listens for ${svc} on ${want.port}, so clients that follow it find no ${svc} there`, {
      evidence: seen(r),
      fix: `replace it: ${publish(exp)}`,
    });
  }
  const wrongTarget = srvs.find((x) => x.target !== host);
  if (wrongTarget) {
    return finding('srv', 'warn', `${want.name} points at ${wrongTarget.target}, not at ${host} (the name on the certificate, where ${svc} listens)`, {
      evidence: seen(r),
      fix: `replace it: ${publish(exp)}`,
    });
  }
  return null;
}

export const checkSrv: CheckFn = async (input) => {
  const offered = clientSrvRecords(input.answers);
  const none = clientSrvNotOffered(input.answers);
  const results = await Promise.all([...offered.map((w) => checkOne(input, w, true)), ...none.map((w) => checkOne(input, w, false))]);
  const problems = results.filter((f): f is Finding => f !== null);
  if (problems.length > 0) return problems;
  // RFC 6186 §3.4, RFC 8314 §5.1: clients compare priorities across the TLS and STARTTLS forms
  for (const [tls, starttls] of [[offered[0]!, offered[1]!], [offered[2]!, offered[3]!]] as const) {
    const [a, b] = await Promise.all([tls, starttls].map(async (w) => recordsOf(await input.lookup.ask(w.name, 'SRV'), 'SRV').filter((x) => x.name === w.name)));
    const low = (rs: typeof a) => Math.min(...(rs ?? []).map((x) => x.priority));
    if (low(b) < low(a)) {
      problems.push(
        finding('srv', 'warn', `${starttls.name} has a lower priority (${low(b)}) than ${tls.name} (${low(a)}), so clients try STARTTLS first; RFC 8314 asks for implicit TLS first`, {
          evidence: [...(a ?? []), ...(b ?? [])].map((x) => `${x.name}. SRV ${x.priority} ${x.weight} ${x.port} ${x.target}.`).join('\n'),
          fix: `replace them: ${publish(expectedOf(input, 'srv', tls.name))}; ${publish(expectedOf(input, 'srv', starttls.name))}`,
        }),
      );
    }
  }
  if (problems.length > 0) return problems;
  const host = normalizeName(input.answers.hostname);
  return [
    finding('srv', 'pass', `mail clients find ${offered.map((w) => `${service(w.name)} ${w.port}`).join(', ')} at ${host}; ${none.map((w) => service(w.name)).join(' and ')} marked not offered`, {
      evidence: [...offered, ...none].map((w) => `${w.name}. SRV ${srvData(w)}`).join('\n'),
    }),
  ];
};
