/**
 * The resolver in resolv.conf does not answer: every lookup on the box waits for it and fails
 * (apt: "Temporary failure resolving 'deb.debian.org'", pkg_add/ftp: "no address associated with
 * name", getaddrinfo: EAI_AGAIN), and smtpd greets a client only after its reverse lookup timed out.
 * It was DNS.
 */
import type { Context } from '../engine/types.js';
import { RESOLV_CONF, resolverState, serverList, type ResolverState } from './probes.js';
import { checkIs, type Cause, type CauseEntry } from './types.js';

/** What the tools print when a name could not be looked up. */
const LOOKUP_FAILED =
  /temporary failure (?:resolving|in name resolution)|could not resolve|name or service not known|no address associated with (?:host)?name|EAI_AGAIN|getaddrinfo|resolution failed|dns (?:query|lookup) (?:failed|timed out)|SERVFAIL|no greeting/i;

export const IT_WAS_DNS = 'It was DNS.';

/** The sentence for a box whose resolvers are silent (null when one answers). */
export function silentResolverCause(state: ResolverState): Cause | null {
  if (state.silent.length === 0 || state.silent.length < state.servers.length) return null;
  const list = serverList(state.silent);
  const which = state.implicit
    ? `${RESOLV_CONF} names no nameserver, so the resolver asks ${list}, and nothing answers there`
    : `the resolver in ${RESOLV_CONF} (${list}) does not answer`;
  return {
    id: 'resolver-silent',
    cause: `${IT_WAS_DNS} ${which[0]!.toUpperCase()}${which.slice(1)}: every name lookup on this box waits for it and then fails.`,
    fix: `Put a resolver that answers in ${RESOLV_CONF} ("nameserver ADDRESS": your provider's, or a local unbound on 127.0.0.1), check it answers (dig @ADDRESS example.org, or nslookup example.org ADDRESS), then retry.`,
  };
}

/** No resolver of resolv.conf looks names up: some are silent, the others refuse (REFUSED/SERVFAIL). */
export function refusingResolverCause(state: ResolverState): Cause | null {
  if (state.refusing.length === 0 || state.silent.length + state.refusing.length < state.servers.length) return null;
  const silent = silentResolverCause({ ...state, silent: state.silent, servers: state.silent });
  return {
    id: 'resolver-refuses',
    cause: `${IT_WAS_DNS} The resolver in ${RESOLV_CONF} (${serverList(state.refusing)}) answers, but refuses to look names up for this box (REFUSED or SERVFAIL): it is not a recursive resolver, so every name lookup fails${silent ? `; ${serverList(state.silent)} does not answer at all` : ''}.`,
    fix: silentResolverCause({ ...state, silent: state.servers })!.fix,
  };
}

/** Used where slowness is the symptom: only a resolver that does not answer makes smtpd wait. */
export async function silentResolver(ctx: Context): Promise<Cause | null> {
  return silentResolverCause(await resolverState(ctx));
}

export const resolverSilent: CauseEntry = {
  id: 'resolver-silent',
  matches: (f, text) =>
    LOOKUP_FAILED.test(text) || checkIs(f, 'packages.apply', 'mail-test') || (/^services\.(smtp|tls)-/.test(f.check) && /within|time/i.test(text)),
  probe: async (ctx, f) => {
    const state = await resolverState(ctx);
    // A refusing resolver fails lookups at once: it explains a failed fetch, not a port that is slow
    // or silent (only a resolver that does not answer makes smtpd wait).
    return silentResolverCause(state) ?? (f.check.startsWith('services.') ? null : refusingResolverCause(state));
  },
};
