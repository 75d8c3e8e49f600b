/**
 * Which grammar a dovecot.conf was written for, and when the installed Dovecot reads another
 * (the stack suite's test/stack/upgrade.test.ts repairs one for real on Dovecot 2.4).
 */
import { describe, expect, it } from 'vitest';
import { grammarChange } from '../../recipes/dovecot.js';
import { renderDovecotConf, renderedForDovecot } from '../../recipes/templates/dovecot.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Facts } from '../../src/engine/types.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';

const render = (version: string, platform = debian) => renderDovecotConf({ answers: DEMO_ANSWERS, platform, facts: { dovecotVersion: version } as Facts });

describe('a dovecot.conf and the installed Dovecot', () => {
  it('the file names the version it was written for, in both grammars', () => {
    expect(renderedForDovecot(render('2.3.19'))).toBe('2.3.19');
    expect(renderedForDovecot(render('2.4.1-4'))).toBe('2.4.1-4');
    expect(renderedForDovecot(render('2.3.21', openbsd))).toBe('2.3.21');
    expect(renderedForDovecot('protocols = imap\n')).toBeNull();
  });

  it('2.3 → 2.4 (and back) is a change of grammar; a minor release within one is not', () => {
    const facts = (dovecotVersion?: string) => ({ facts: { dovecotVersion } as Facts });
    expect(grammarChange(facts('2.4.1-4'), render('2.3.19'))).toEqual({ from: '2.3.19', to: '2.4.1-4' });
    expect(grammarChange(facts('2.3.21'), render('2.4.1'))).toEqual({ from: '2.4.1', to: '2.3.21' });
    expect(grammarChange(facts('2.3.21'), render('2.3.19'))).toBeNull();
    expect(grammarChange(facts('2.4.2'), render('2.4.1'))).toBeNull();
    // Unknown: Dovecot not installed, no file, or a file mail-wizard did not write.
    expect(grammarChange(facts(undefined), render('2.3.19'))).toBeNull();
    expect(grammarChange(facts('2.4.1'), null)).toBeNull();
    expect(grammarChange(facts('2.4.1'), 'protocols = imap\n')).toBeNull();
  });
});
