import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { ConfirmPrompt } from '../../src/ui/ink/ConfirmPrompt.js';
import { Details } from '../../src/ui/ink/Details.js';
import { Diff } from '../../src/ui/ink/Diff.js';
import { DnsRecords, manualGroups } from '../../src/ui/ink/DnsRecords.js';
import { FailureMenu } from '../../src/ui/ink/FailureMenu.js';
import { KeyBar } from '../../src/ui/ink/KeyBar.js';
import { Summary } from '../../src/ui/ink/Summary.js';
import { PaletteContext } from '../../src/ui/ink/use-palette.js';
import { VerifyTable } from '../../src/ui/ink/VerifyTable.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { daemon, hosts, missing, noColor, publish, replaceSmtpd, restartSmtpd, smtpd, start, startDaemon, stateFrom, T0, writeHosts } from './helpers.js';

const draw = (el: ReactElement) => (render(<PaletteContext.Provider value={noColor}>{el}</PaletteContext.Provider>).lastFrame() ?? '').split('\n').map((l) => l.trimEnd());

const failedDaemon = stateFrom('setup', [
  [0, start('setup', [hosts, daemon])],
  [0, { type: 'step-start', step: daemon }],
  [0, { type: 'step-planned', step: daemon, actions: [startDaemon] }],
  [0, { type: 'action-start', step: daemon, index: 0, describe: startDaemon.describe }],
  [0, { type: 'action-output', step: daemon, index: 0, chunk: 'starting smtpd\nsmtpd: \u001b[1mlistening\u001b[0m on 0.0.0.0:25\n' }],
  [0, { type: 'action-done', step: daemon, index: 0, ok: true }],
  [0, { type: 'step-verified', step: daemon, findings: [missing] }],
]);

describe('FailureMenu', () => {
  it('shows what was seen, the likely cause and the fix, then the choices', () => {
    const lines = draw(<FailureMenu step={failedDaemon.steps[1]!} findings={[missing]} width={80} />);
    expect(lines).toEqual([
      'Start smtpd did not pass. Nothing after it has been touched.',
      '',
      '✖ What we saw   no /run/smtpd.ready',
      '  Likely cause  /run/smtpd.ready is missing',
      '  Fix           create /run/smtpd.ready',
      '',
      'r retry (after fixing it) · s skip (marked skipped) · d details · q quit',
      '',
      'Last output',
      '  starting smtpd',
      '  smtpd: listening on 0.0.0.0:25',
    ]);
  });
});

describe('Details', () => {
  it('lists every finding, every action with its files, and the whole output without escape codes', () => {
    const lines = draw(<Details step={failedDaemon.steps[1]!} now={T0} width={80} />);
    expect(lines).toContain('Verification');
    expect(lines).toContain('  ✖ What we saw   no /run/smtpd.ready');
    expect(lines).toContain('  ✔ run sh -c echo starting');
    expect(lines).toContain('Output (2 lines)');
    expect(lines.slice(-2)).toEqual(['  starting smtpd', '  smtpd: listening on 0.0.0.0:25']);
  });
});

describe('ConfirmPrompt', () => {
  it('says what will be replaced and restarted, then shows the diff of the replaced file', () => {
    const state = stateFrom('setup', [
      [0, start('setup', [smtpd])],
      [0, { type: 'step-start', step: smtpd }],
      [0, { type: 'step-planned', step: smtpd, actions: [replaceSmtpd, restartSmtpd] }],
    ]);
    const lines = draw(<ConfirmPrompt step={state.steps[0]!} actions={[replaceSmtpd, restartSmtpd]} width={80} />);
    expect(lines).toEqual([
      '? OpenSMTPD (smtpd.conf): go ahead?',
      'This step will:',
      '  • replace /etc/smtpd.conf (the current file is backed up first)',
      '  • restart smtpd: rcctl restart smtpd',
      'y yes, go ahead · n no, skip this step · d details · q quit',
      '',
      '/etc/smtpd.conf: what changes',
      '  @@ -1,1 +1,1 @@',
      '  -listen on localhost',
      '  +listen on 0.0.0.0',
    ]);
  });
});

describe('Diff', () => {
  it('drops the file header, expands tabs and can show a window of a long diff', () => {
    expect(draw(<Diff diff={writeHosts.diff!} width={80} />)).toEqual(['  @@ -0,0 +1,2 @@', '  +127.0.0.1      localhost', '  +::1            localhost']);
    expect(draw(<Diff diff={writeHosts.diff!} width={80} height={2} offset={1} />)).toEqual(['  +127.0.0.1      localhost', '  +::1            localhost']);
  });
});

describe('DnsRecords', () => {
  it('prints zone lines whole and unindented (copyable); long ones wrap instead of being cut', () => {
    const long = `sel._domainkey.example.org. 3600 IN TXT "v=DKIM1; k=rsa; p=${'A'.repeat(60)}"`;
    const lines = draw(<DnsRecords data={{ groups: manualGroups([publish, { ...publish, action: { type: 'manual', title: 'DKIM', lines: [long] } }]) }} width={80} />);
    expect(lines.slice(0, 3)).toEqual(['you: publish these records in the DNS zone of example.org', 'example.org. 3600 IN MX 10 mail.example.org.', 'example.org. 3600 IN TXT "v=spf1 mx -all"']);
    expect(lines.slice(4).join('').replace(/ /g, '')).toBe(long.replace(/ /g, ''));
  });

  it('takes live per-server results as data (the DNS checks feed it later)', () => {
    const lines = draw(
      <DnsRecords
        data={{
          groups: [],
          checks: [
            { record: 'example.org MX', server: 'ns1.example.net', state: 'agree' },
            { record: 'example.org MX', server: 'ns2.example.net', state: 'differs', seen: '10 old.example.org.' },
          ],
        }}
        width={80}
      />,
    );
    expect(lines[2]).toMatch(/^example.org MX +ns1.example.net +✔ agrees$/);
    expect(lines.slice(3).join(' ')).toMatch(/ns2.example.net +✖ differs \(10 +old.example.org.\)$/);
  });
});

describe('VerifyTable', () => {
  it('lists every step with pass or what repair will fix', () => {
    const lines = draw(<VerifyTable results={[{ step: hosts, findings: [] }, { step: daemon, findings: [missing] }]} width={80} />);
    expect(lines[0]).toBe('Verified every step first: 1 pass, 1 to repair.');
    expect(lines[1]).toMatch(/^✔ Host names \(\/etc\/hosts\) +passes$/);
    expect(lines[2]).toMatch(/^✖ Start smtpd +repair {2}\/run\/smtpd.ready is missing$/);
  });
});

describe('Summary', () => {
  const done = (extra: Parameters<typeof stateFrom>[1], stopped = false) =>
    stateFrom('setup', [
      [0, start('setup', [hosts, smtpd, daemon])],
      ...extra,
      [
        900,
        {
          type: 'run-done',
          summary: {
            mode: 'setup',
            results: [],
            changed: 1,
            failed: stopped ? 1 : 0,
            skipped: stopped ? 0 : 1,
            backups: ['/var/backups/mail-wizard/X/etc/smtpd.conf'],
            stopped,
          },
        },
      ],
    ]);

  it('says what changed, the backups, what was skipped and what to do next', () => {
    const state = done([
      [0, { type: 'step-start', step: hosts }],
      [0, { type: 'step-planned', step: hosts, actions: [writeHosts] }],
      [0, { type: 'step-done', step: hosts, status: 'changed' }],
      [0, { type: 'step-done', step: smtpd, status: 'ok', note: 'as wanted' }],
      [0, { type: 'step-start', step: daemon }],
      [0, { type: 'step-planned', step: daemon, actions: [publish] }],
      [0, { type: 'step-done', step: daemon, status: 'skipped', note: 'skipped after a failure' }],
    ]);
    const text = draw(<Summary state={state} next={DEMO_ANSWERS} width={80} />).join('\n');
    expect(text).toContain('Changed   Host names (/etc/hosts)');
    expect(text).toContain('Skipped   Start smtpd: skipped after a failure');
    expect(text).toContain('Backups   /var/backups/mail-wizard/X/etc/smtpd.conf');
    expect(text).toContain("sendmail alice@example.org");
    expect(text).toContain('IMAP mail.example.org port 993 (TLS); SMTP mail.example.org');
    expect(text).toContain('example.org. 3600 IN MX 10 mail.example.org.');
  });

  it('after a quit: where it stopped, that nothing is half-done, and to resume with mail-wizard repair', () => {
    const state = done([[0, { type: 'step-done', step: daemon, status: 'failed' }]], true);
    const text = draw(<Summary state={state} width={80} />).join('\n');
    expect(text).toContain('Stopped');
    expect(text).toContain('Nothing is half-done');
    expect(text).toContain('  mail-wizard repair');
  });
});

describe('KeyBar', () => {
  it('drops hints that do not fit rather than cutting one', () => {
    expect(draw(<KeyBar keys={[['r', 'retry'], ['s', 'skip'], ['q', 'quit']]} width={18} />)).toEqual(['r retry  s skip']);
  });
});

describe('Report (what stays after the TUI closes)', () => {
  it('has every step row and the whole summary, with records kept whole for copying', async () => {
    const { renderReport } = await import('../../src/ui/ink/Report.js');
    const long = `sel._domainkey.example.org. 3600 IN TXT "v=DKIM1; k=rsa; p=${'A'.repeat(80)}"`;
    const steps = Array.from({ length: 14 }, (_, i) => ({ id: `s${i}`, title: `Step ${i + 1}`, why: '' }));
    const record = { ...publish, action: { type: 'manual' as const, title: 'publish', lines: [long] } };
    const state = stateFrom('setup', [
      [0, start('setup', steps)],
      ...steps.map((s): [number, Parameters<typeof stateFrom>[1][number][1]] => [0, { type: 'step-done', step: s, status: 'ok' }]),
      [0, { type: 'step-start', step: steps[13]! }],
      [0, { type: 'step-planned', step: steps[13]!, actions: [record] }],
      [0, { type: 'step-done', step: steps[13]!, status: 'changed' }],
      [0, { type: 'run-done', summary: { mode: 'setup', results: [], changed: 1, failed: 0, skipped: 0, backups: [], stopped: false } }],
    ]);
    const text = renderReport(state, { width: 80, now: T0, palette: noColor });
    const lines = text.split('\n').map((l) => l.trimEnd());
    expect(lines.filter((l) => /^ {2}[✔✚] Step \d+/.test(l))).toHaveLength(14);
    expect(lines).toContain(long);
    expect(lines.filter((l) => l !== long).every((l) => [...l].length <= 80)).toBe(true);
  });
});

describe('StepPanel', () => {
  const running = stateFrom('setup', [
    [0, start('setup', [smtpd])],
    [0, { type: 'step-start', step: smtpd }],
    [0, { type: 'step-planned', step: smtpd, actions: [replaceSmtpd, restartSmtpd] }],
    [0, { type: 'action-start', step: smtpd, index: 0, describe: replaceSmtpd.describe }],
    [0, { type: 'action-done', step: smtpd, index: 0, ok: true, backup: '/var/backups/x/etc/smtpd.conf' }],
    [0, { type: 'action-start', step: smtpd, index: 1, describe: restartSmtpd.describe }],
    ...Array.from({ length: 20 }, (_, i): Parameters<typeof stateFrom>[1][number] => [0, { type: 'action-output', step: smtpd, index: 1, chunk: `out ${i + 1}\n` }]),
  ]).steps[0]!;

  it('running: actions with their state, the command, and the last lines of output that fit', async () => {
    const { StepPanel } = await import('../../src/ui/ink/StepPanel.js');
    const lines = draw(<StepPanel step={running} width={80} height={8} now={T0} view="running" />);
    expect(lines).toHaveLength(8);
    expect(lines[1]).toBe('✔ write /etc/smtpd.conf (0644 root)');
    expect(lines[2]).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] run rcctl restart smtpd$/);
    expect(lines[3]).toBe('$ rcctl restart smtpd');
    expect(lines.slice(4)).toEqual(['  out 17', '  out 18', '  out 19', '  out 20']);
  });

  it('plan: the whole story of a step, with diffs and backups', async () => {
    const { StepPanel } = await import('../../src/ui/ink/StepPanel.js');
    const lines = draw(<StepPanel step={{ ...running, status: 'changed' }} width={80} height={12} now={T0} view="plan" />);
    expect(lines).toContain('    backup: /var/backups/x/etc/smtpd.conf');
    expect(lines).toContain('    -listen on localhost');
  });
});
