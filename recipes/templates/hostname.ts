/**
 * The host name files: the mail host name (answers.hostname, fully qualified), the name smtpd
 * greets with, writes into the mail it submits itself, and finds in its own Received headers.
 * OpenBSD keeps it in /etc/myname (myname(5)); Debian in /etc/hostname, and MTAs read
 * /etc/mailname before gethostname() there.
 */
import type { Answers } from '../../src/answers/schema.js';
import type { Platform } from '../../src/platform/types.js';

export function renderHostnameFiles(answers: Pick<Answers, 'hostname'>, platform: Platform): { path: string; content: string }[] {
  const content = `${answers.hostname}\n`;
  return [platform.paths.hostnameFile, platform.paths.mailname].filter((p) => p !== '').map((path) => ({ path, content }));
}

/** argv that sets the running system's host name now (hostname(1); the files take effect at boot). */
export function setHostnameArgv(answers: Pick<Answers, 'hostname'>): string[] {
  return ['hostname', answers.hostname];
}
