/** The install, in order. Each step is one file in this directory; templates/ renders their files. */
import type { AnyStep } from '../src/engine/types.js';
import { aliasesStep } from './aliases.js';
import { dkimStep } from './dkim.js';
import { dnsStep } from './dns.js';
import { dovecotStep } from './dovecot.js';
import { firewallStep } from './firewall.js';
import { hostnameStep } from './hostname.js';
import { hostsStep } from './hosts.js';
import { mailTestStep } from './mail-test.js';
import { packagesStep } from './packages.js';
import { redisStep } from './redis.js';
import { rspamdStep } from './rspamd.js';
import { servicesStep } from './services.js';
import { smtpdStep } from './smtpd.js';
import { tlsStep } from './tls.js';
import { usersStep } from './users.js';
import { webStep } from './web.js';

export const STEPS: readonly AnyStep[] = [
  hostsStep,
  hostnameStep,
  packagesStep,
  usersStep,
  // Before TLS: ACME's http-01 challenge comes in on port 80, which a loaded ruleset of ours
  // (policy drop) must already let in when the certificate is asked for.
  firewallStep,
  tlsStep,
  // After TLS: the HTTPS servers load the certificate, which names the web names by then.
  webStep,
  aliasesStep,
  smtpdStep,
  dovecotStep,
  redisStep,
  rspamdStep,
  dkimStep,
  servicesStep,
  dnsStep,
  mailTestStep,
];
