/** The name smtpd says in its own EHLO when it sends, read from smtpd.conf's relay actions. */
import { describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { outgoingHelo } from '../../src/delivery/banner.js';
import { debian } from '../../src/platform/debian.js';
import { renderSmtpdConf } from '../../recipes/templates/smtpd.js';

describe('outgoing EHLO name', () => {
  it('is the host name in what the wizard writes, with and without a relay host', () => {
    for (const relayHost of [undefined, 'smtp.relay.example:587']) {
      const conf = renderSmtpdConf({ answers: { ...DEMO_ANSWERS, ...(relayHost ? { relayHost } : {}) }, platform: debian, facts: {} });
      expect(outgoingHelo(conf)).toEqual([DEMO_ANSWERS.hostname]);
    }
  });

  it('names another helo, and a relay action without one (smtpd then says the machine name)', () => {
    const conf = ['# action "x" relay helo commented.example', 'action "outbound" relay helo "other.example.net"', 'action "b" relay host smtp://x.example', 'action "local" lmtp "/run/dovecot/lmtp"'].join('\n');
    expect(outgoingHelo(conf)).toEqual(['other.example.net', '']);
  });
});
