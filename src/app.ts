/**
 * Everything the CLI does beyond --help and --version, behind one import: src/cli.ts imports this
 * module once it knows it has a command to run. Each command stays behind its own import() here,
 * so a command still evaluates only what it uses. The release (test/release/bundle.mjs) carries
 * this module and all it reaches as one compressed part, so that `--help` compiles only cli.ts.
 */
export const loadRun = () => import('./commands/run.js');
export const loadDnsCli = () => import('./commands/dns-cli.js');
export const loadCheckDelivery = () => import('./commands/check-delivery.js');
export const loadCheck = () => import('./commands/check.js');
export const loadUser = () => import('./commands/user.js');
export const loadAlias = () => import('./commands/alias.js');
export const loadWatch = () => import('./commands/watch.js');
export const loadDkim = () => import('./commands/dkim.js');

/**
 * The commands' InputError. In the release, the app part has its own copy of the class, apart
 * from the one cli.ts checks its own arguments with: the CLI recognises both.
 */
export { InputError } from './answers/input-error.js';
