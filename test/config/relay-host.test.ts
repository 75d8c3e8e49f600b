/**
 * The relay host of the answers (for a provider that blocks outbound 25, as `check delivery`'s
 * outbound-25 fix says): validated with one line per bad value, rendered into smtpd.conf's
 * outbound action, and accepted by the real `smtpd -n`; without it the action is unchanged.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { validateAnswers } from '../../src/answers/validate.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import { debian } from '../../src/platform/debian.js';
import type { Platform } from '../../src/platform/types.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { renderAliases } from '../../recipes/templates/aliases.js';
import { tlsPaths } from '../../recipes/templates/input.js';
import { renderRecipients } from '../../recipes/templates/recipients.js';
import { renderSenders } from '../../recipes/templates/senders.js';
import { renderSmtpdConf } from '../../recipes/templates/smtpd.js';
import { platformUnder } from '../support/mapped-platform.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';

const run = promisify(execFile);
const base = { ...DEMO_ANSWERS, tls: 'self-signed' };

describe('relayHost in the answers', () => {
  it('HOST or HOST:PORT; anything else is one line naming the field and the value', () => {
    const good = validateAnswers({ ...base, relayHost: 'smtp.relay.example:587' });
    expect(good.ok && good.answers.relayHost).toBe('smtp.relay.example:587');
    expect(validateAnswers({ ...base, relayHost: '192.0.2.77' }).ok).toBe(true);
    for (const [value, line] of [
      ['smtp.relay.example:99999', 'relayHost: "smtp.relay.example:99999" has the port 99999, out of range (1-65535)'],
      ['smtp+tls://x.example', 'relayHost: "smtp+tls://x.example" is not HOST or HOST:PORT (for example smtp.provider.example:587)'],
      ['relay', 'relayHost: "relay" is not a fully qualified name (it needs a dot, like example.org)'],
    ]) {
      const r = validateAnswers({ ...base, relayHost: value });
      expect(r.ok ? [] : r.errors).toEqual([line]);
    }
  });
});

const skip = missingTools('smtpd -n with a relay host', ['/usr/sbin/smtpd']);

describe.skipIf(skip)('smtpd.conf with a relay host, checked by smtpd -n', () => {
  let root: string;
  let platform: Platform;
  const put = async (file: string, content: string, mode = 0o644) => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content, { mode });
  };

  beforeAll(async () => {
    root = await tempDir('mw-relay-');
    platform = platformUnder(debian, root);
    const { cert, key } = tlsPaths({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' } }, platform });
    const pair = await generateRsaKeyPair(2048);
    await put(key, pair.privateKeyPem, 0o600);
    await put(cert, selfSignedCertificatePem(pair.privateKeyPem, DEMO_ANSWERS.hostname, [], 1));
    await put(platform.paths.aliases, renderAliases(null, DEMO_ANSWERS));
    await put(platform.paths.senders, renderSenders(DEMO_ANSWERS, renderAliases(null, DEMO_ANSWERS), platform.paths.senders));
    await put(platform.paths.recipients, renderRecipients(DEMO_ANSWERS, renderAliases(null, DEMO_ANSWERS), platform.paths.recipients));
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('the outbound action relays through it, and smtpd -n accepts the file', async () => {
    const answers = { ...DEMO_ANSWERS, tls: { mode: 'self-signed' as const }, relayHost: 'smtp.relay.example:587' };
    const conf = renderSmtpdConf({ answers, platform, facts: {} });
    expect(conf).toContain(`action "outbound" relay host "smtp+tls://smtp.relay.example:587" helo "${DEMO_ANSWERS.hostname}"`);
    const file = path.join(root, 'smtpd-relay.conf');
    await put(file, conf);
    const { stdout, stderr } = await run('/usr/sbin/smtpd', ['-n', '-f', file]);
    expect(`${stdout}${stderr}`).toContain('configuration OK');
    const without = renderSmtpdConf({ answers: { ...answers, relayHost: undefined }, platform, facts: {} });
    expect(without).toContain(`action "outbound" relay helo "${DEMO_ANSWERS.hostname}"\n`);
    expect(without).not.toContain('relay host');
  });
});
