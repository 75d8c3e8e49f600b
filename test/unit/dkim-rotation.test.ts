/** DKIM rotation as data in the answers (src/dkim/rotation.ts) and its validation. */
import { describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { validateAnswers } from '../../src/answers/validate.js';
import { activated, newSelectorName, nextSelector, otherSelectors, publishedSelectors, retired, retiredSelectors, withNext } from '../../src/dkim/rotation.js';

describe('a rotation, step by step', () => {
  it('next key made → published everywhere → retired: the selectors at each point', () => {
    const start = { ...DEMO_ANSWERS, dkimSelector: 'stack' };
    expect(publishedSelectors(start)).toEqual(['stack']);
    expect(nextSelector(start)).toBeUndefined();

    const made = withNext(start, 'mw20261201');
    expect(made.dkimSelector).toBe('stack'); // still signing with the old key
    expect(made.dkimPublished).toEqual(['stack', 'mw20261201']);
    expect(nextSelector(made)).toBe('mw20261201');
    expect(otherSelectors(made)).toEqual([{ selector: 'mw20261201', role: 'next' }]);

    const switched = activated(made, 'mw20261201');
    expect(switched.dkimSelector).toBe('mw20261201');
    expect(retiredSelectors(switched)).toEqual(['stack']);
    expect(nextSelector(switched)).toBeUndefined();
    expect(otherSelectors(switched)).toEqual([{ selector: 'stack', role: 'retired' }]);

    const done = retired(switched, 'stack');
    expect(done.dkimPublished).toBeUndefined();
    expect(publishedSelectors(done)).toEqual(['mw20261201']);
  });

  it('selectors are dated, and never reuse one that is taken', () => {
    const day = new Date('2026-12-01T17:00:00Z');
    expect(newSelectorName(day, ['stack'])).toBe('mw20261201');
    expect(newSelectorName(day, ['mw20261201'])).toBe('mw20261201-2');
    expect(newSelectorName(day, ['mw20261201', 'mw20261201-2'])).toBe('mw20261201-3');
  });
});

describe('dkimPublished in the answers file', () => {
  const raw = { ...DEMO_ANSWERS, tls: 'acme' };
  it('is kept when valid and includes the active selector', () => {
    const r = validateAnswers({ ...raw, dkimPublished: ['old', 'mail2026'] });
    expect(r.ok && r.answers.dkimPublished).toEqual(['old', 'mail2026']);
  });
  it('names the field and the value when wrong', () => {
    const lines = (v: unknown) => {
      const r = validateAnswers({ ...raw, dkimPublished: v });
      return r.ok ? [] : r.errors;
    };
    expect(lines(['old'])).toEqual(['dkimPublished: ["old"] must include the dkimSelector "mail2026" (the key rspamd signs with stays published)']);
    expect(lines(['mail2026', 'bad selector'])).toEqual(['dkimPublished: "bad selector" is not a valid DKIM selector (DNS labels: letters, digits, - and _)']);
    expect(lines('mail2026')).toEqual(['dkimPublished: "mail2026" must be a non-empty list of DKIM selectors']);
    expect(lines(['mail2026', 'mail2026'])).toEqual(['dkimPublished: "mail2026" is listed twice']);
  });
});
