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

export const STEPS: readonly AnyStep[] = [
  hostsStep,
  hostnameStep,
  packagesStep,
  usersStep,
  tlsStep,
  aliasesStep,
  smtpdStep,
  dovecotStep,
  redisStep,
  rspamdStep,
  dkimStep,
  firewallStep,
  servicesStep,
  dnsStep,
  mailTestStep,
];
