#!/usr/bin/env node
/**
 * mail-wizard's entry point: argv → command. Bad input prints one line per problem and exits 2;
 * other errors print their message (never a stack trace unless MAIL_WIZARD_DEBUG=1).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InputError } from './answers/input-error.js';

const HELP = `mail-wizard: turns a fresh OpenBSD (or Debian) box into a working, verified mail server.

Usage: mail-wizard [command] [options]

Commands:
  setup            walk every step: check, show, apply, verify (the default)
  repair           verify every step, then fix only the ones that fail
  plan             dry-run: print every step, command and file; change nothing
  check            verify every step and report; change nothing
  check dns        ask the domain's authoritative DNS servers and name every mistake
  check delivery   what a receiver sees: outbound 25, blocklists, TLS served, banner, PTR
  records          the DNS records to publish (--format zone|table|json); with --dane, the
                   TLSA record too when the zone is DNSSEC-signed (the DNS servers are asked)
  user add NAME    a mail user (a password is asked in a terminal; --password-stdin for scripts)
  user remove NAME remove a mail user (the mail is kept unless --purge-mail); user list
  alias add NAME TARGET...   NAME@domain reaches the targets; alias remove NAME; alias list
  watch enable     install the daily report of what changed (watch disable removes it)
  watch run        run every check; mail postmaster when something changed since the last run
  dkim rotate      new DKIM key under a new selector; sign with it once DNS serves it (--wait)
  dkim retire SEL  remove a retired DKIM key after its grace period

Options:
  --answers FILE        the answers (default /etc/mail-wizard.json; asked for when missing)
  --demo                built-in answers for example.org (documentation addresses)
  --platform NAME       openbsd or debian (default: detected)
  --root DIR            work on the files under DIR instead of /
  --dry-run             with setup or repair: the same as plan
  --yes                 do not ask before replacing files or restarting services
  --allow-remove NAME   let the install remove this installed package (repeatable); --yes
                        never removes one (opensmtpd replaces exim4 or postfix)
  --format FORMAT       plan: text, sh (a POSIX script) or json; records: zone, table or json
  --nameserver HOST[:PORT]  ask these DNS servers instead of the domain's own (repeatable)
  --probe HOST[:PORT]   check delivery: try outbound 25 to this host (repeatable)
  --dnsbl ZONE          check delivery: an IP blocklist to ask (repeatable)
  --dnsbl-domain ZONE   check delivery: a domain blocklist to ask (repeatable)
  --wait SECONDS        check dns: re-check every 5 s until every server publishes the records;
                        dkim rotate: how long to wait for the new key's record (default 600)
  --send-test           check: also send a test message and wait for it (the final mail test)
  --plain               one line per event, no colours or animation
  --json                one JSON event per line
  -h, --help            this help
  -v, --version         the version

Exit status: 0 success, 1 a step or check failed, 2 bad input.`;

/** Set by the release bundle (test/release/bundle.mjs), which reads no files at run time. */
declare const MAIL_WIZARD_VERSION: string | undefined;

function version(): string {
  if (typeof MAIL_WIZARD_VERSION === 'string') return MAIL_WIZARD_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The commands (src/app.ts), imported once a command is to run: --help and --version never load them. */
let app: typeof import('./app.js') | undefined;
async function loadApp(): Promise<typeof import('./app.js')> {
  app ??= await import('./app.js');
  return app;
}

/** Bad input, thrown by cli.ts itself or by a command (in the release, the app part's own copy of the class). */
function isInputError(err: unknown): err is InputError {
  return err instanceof InputError || (app !== undefined && err instanceof app.InputError);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        answers: { type: 'string' },
        demo: { type: 'boolean', default: false },
        platform: { type: 'string' },
        root: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        format: { type: 'string' },
        nameserver: { type: 'string', multiple: true, default: [] },
        'allow-remove': { type: 'string', multiple: true, default: [] },
        wait: { type: 'string' },
        probe: { type: 'string', multiple: true, default: [] },
        dnsbl: { type: 'string', multiple: true, default: [] },
        'dnsbl-domain': { type: 'string', multiple: true, default: [] },
        'send-test': { type: 'boolean', default: false },
        dane: { type: 'boolean', default: false },
        plain: { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
        'purge-mail': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw new InputError([`${(err as Error).message} (see mail-wizard --help)`]);
  }
  const { values, positionals } = parsed;
  if (values.help) return print(HELP);
  if (values.version) return print(version());

  const [command = 'setup', ...rest] = positionals;
  const badPackage = values['allow-remove'].find((name) => !/^[a-z0-9][a-z0-9+._-]*$/.test(name));
  if (badPackage !== undefined) throw new InputError([`--allow-remove: ${JSON.stringify(badPackage)} is not a package name`]);
  const waits = (command === 'check' && rest[0] === 'dns') || (command === 'dkim' && rest[0] === 'rotate');
  if (values.wait !== undefined && !waits) throw new InputError(['--wait goes with check dns or dkim rotate']);
  const delivery = { probe: values.probe, dnsbl: values.dnsbl, dnsblDomain: values['dnsbl-domain'] };
  if ((delivery.probe.length || delivery.dnsbl.length || delivery.dnsblDomain.length) && !(command === 'check' && rest[0] === 'delivery')) {
    throw new InputError(['--probe, --dnsbl and --dnsbl-domain go with check delivery']);
  }
  if (values['send-test'] && !(command === 'check' && rest[0] === undefined)) throw new InputError(['--send-test goes with check']);
  if (values.dane && command !== 'records') throw new InputError(['--dane goes with records']);
  if ((values['password-stdin'] || values['purge-mail']) && command !== 'user') throw new InputError(['--password-stdin and --purge-mail go with user']);
  // user and alias change the server at once: a --dry-run they ignored would not be one.
  if ((command === 'user' || command === 'alias') && (values['dry-run'] || values.format !== undefined)) {
    throw new InputError([`${command}: --dry-run and --format are for setup, repair and plan; \`${command} list\` changes nothing`]);
  }
  const common = {
    answers: values.answers,
    demo: values.demo,
    platform: values.platform,
    root: values.root,
    plain: values.plain,
    json: values.json,
    yes: values.yes,
    nameserver: values.nameserver,
    allowRemove: values['allow-remove'],
  };
  const io = { out: (line: string) => void process.stdout.write(`${line}\n`), interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) };
  const extra = (allowed: number) => {
    if (rest.length > allowed) throw new InputError([`${command}: unexpected argument ${JSON.stringify(rest[allowed])}`]);
  };

  switch (command) {
    case 'setup':
    case 'repair':
    case 'plan': {
      extra(0);
      const format = values.format ?? 'text';
      if (format !== 'text' && format !== 'sh' && format !== 'json') throw new InputError([`--format: ${JSON.stringify(format)} is not text, sh or json`]);
      const mode = command === 'plan' || values['dry-run'] ? 'dry-run' : command;
      const { runCommand } = await (await loadApp()).loadRun();
      return runCommand({ ...common, mode, format }, io);
    }
    case 'check': {
      extra(1);
      if (rest[0] === 'dns') {
        const wait = values.wait === undefined ? undefined : Number(values.wait);
        if (wait !== undefined && !(Number.isInteger(wait) && wait > 0 && wait <= 86_400)) {
          throw new InputError([`--wait: ${JSON.stringify(values.wait)} is not a number of seconds (1 to 86400)`]);
        }
        const { checkDnsFromCli } = await (await loadApp()).loadDnsCli();
        return checkDnsFromCli(common, io, wait);
      }
      if (rest[0] === 'delivery') {
        const { checkDeliveryCommand } = await (await loadApp()).loadCheckDelivery();
        return checkDeliveryCommand({ ...common, ...delivery }, io);
      }
      if (rest[0] !== undefined) throw new InputError([`check: unknown area ${JSON.stringify(rest[0])} (try: mail-wizard check, mail-wizard check dns, mail-wizard check delivery)`]);
      const { checkCommand } = await (await loadApp()).loadCheck();
      return checkCommand({ ...common, sendTest: values['send-test'] }, io);
    }
    case 'records': {
      extra(0);
      const format = values.format ?? 'zone';
      if (format !== 'zone' && format !== 'table' && format !== 'json') throw new InputError([`--format: ${JSON.stringify(format)} is not zone, table or json`]);
      const { recordsFromCli } = await (await loadApp()).loadDnsCli();
      return recordsFromCli(common, format, io, values.dane);
    }
    case 'user': {
      const { userCommand } = await (await loadApp()).loadUser();
      return userCommand(rest, { ...common, purgeMail: values['purge-mail'], passwordStdin: values['password-stdin'] }, io);
    }
    case 'alias': {
      const { aliasCommand } = await (await loadApp()).loadAlias();
      return aliasCommand(rest, common, io);
    }
    case 'watch': {
      extra(1);
      const { watchEnable, watchDisable, watchRun } = await (await loadApp()).loadWatch();
      if (rest[0] === 'enable') return watchEnable(common, io);
      if (rest[0] === 'disable') return watchDisable(common, io);
      if (rest[0] === 'run') return watchRun(common, io);
      throw new InputError([rest[0] === undefined ? 'watch: enable, disable or run? (mail-wizard watch run)' : `watch: ${JSON.stringify(rest[0])} is not enable, disable or run`]);
    }
    case 'dkim': {
      const { dkimRotate, dkimRetire } = await (await loadApp()).loadDkim();
      if (rest[0] === 'rotate') {
        extra(1);
        const wait = values.wait === undefined ? undefined : Number(values.wait);
        if (wait !== undefined && !(Number.isInteger(wait) && wait > 0 && wait <= 86_400)) {
          throw new InputError([`--wait: ${JSON.stringify(values.wait)} is not a number of seconds (1 to 86400)`]);
        }
        return dkimRotate({ ...common, ...(wait === undefined ? {} : { waitSeconds: wait }) }, io);
      }
      if (rest[0] === 'retire') {
        extra(2);
        if (rest[1] === undefined) throw new InputError(['dkim retire: which selector? (mail-wizard dkim retire SELECTOR)']);
        return dkimRetire(common, rest[1], io);
      }
      throw new InputError([rest[0] === undefined ? 'dkim: rotate or retire? (mail-wizard dkim rotate)' : `dkim: ${JSON.stringify(rest[0])} is not rotate or retire`]);
    }
    default:
      throw new InputError([`unknown command ${JSON.stringify(command)} (see mail-wizard --help)`]);
  }
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

// `mail-wizard plan | head`: a reader that goes away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  // The terminal went away (a dropped SSH session): SIGHUP stops the run; there is nobody to print to.
  if (err.code === 'EIO') return;
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isInputError(err)) {
      for (const line of err.lines) process.stderr.write(`mail-wizard: ${line}\n`);
      process.exitCode = 2;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mail-wizard: ${message}\n`);
    if (process.env.MAIL_WIZARD_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
