/**
 * DKIM key rotation as data in the answers: `dkimPublished` lists every selector whose record stays
 * published, oldest first, and `dkimSelector` (the key rspamd signs with) is one of them. Before
 * it: retired keys in their grace period; after it: the next key, made by `dkim rotate` and waiting
 * for its record to reach every authoritative server. Signing moves to a key only once receivers
 * can find it, and a retired key stays findable while mail signed with it may still be checked.
 */
import type { Answers } from '../answers/schema.js';

/** How long a retired key's record stays published: mail in queues, retries and re-checks. */
export const GRACE_DAYS = 7;

export function publishedSelectors(answers: Pick<Answers, 'dkimSelector' | 'dkimPublished'>): string[] {
  return answers.dkimPublished ?? [answers.dkimSelector];
}

/** Retired selectors still published (their grace period). */
export function retiredSelectors(answers: Pick<Answers, 'dkimSelector' | 'dkimPublished'>): string[] {
  const all = publishedSelectors(answers);
  return all.slice(0, Math.max(0, all.indexOf(answers.dkimSelector)));
}

/** The key `dkim rotate` made and signing has not moved to yet. */
export function nextSelector(answers: Pick<Answers, 'dkimSelector' | 'dkimPublished'>): string | undefined {
  const all = publishedSelectors(answers);
  return all.slice(all.indexOf(answers.dkimSelector) + 1).at(-1);
}

/** Every selector besides the active one, with its role. */
export function otherSelectors(answers: Pick<Answers, 'dkimSelector' | 'dkimPublished'>): { selector: string; role: 'retired' | 'next' }[] {
  const next = nextSelector(answers);
  return [...retiredSelectors(answers).map((selector) => ({ selector, role: 'retired' as const })), ...(next ? [{ selector: next, role: 'next' as const }] : [])];
}

/** A date-based selector for a key made on `day` (mw20261201), with -2, -3... when that one is taken. */
export function newSelectorName(day: Date, taken: readonly string[]): string {
  const base = `mw${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

/** The answers once the next key is made: it joins the published selectors, signing stays. */
export function withNext(answers: Answers, selector: string): Answers {
  return { ...answers, dkimPublished: [...publishedSelectors(answers).filter((s) => s !== selector), selector] };
}

/** The answers once the next key is published everywhere: rspamd signs with it. */
export function activated(answers: Answers, selector: string): Answers {
  return { ...answers, dkimSelector: selector };
}

/** The answers without a retired selector; the list is dropped when only the active one is left. */
export function retired(answers: Answers, selector: string): Answers {
  const rest = publishedSelectors(answers).filter((s) => s !== selector);
  const out: Answers = { ...answers };
  if (rest.length <= 1) delete out.dkimPublished;
  else out.dkimPublished = rest;
  return out;
}
