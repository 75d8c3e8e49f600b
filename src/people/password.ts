/**
 * Passwords from a person or a script: typed twice, hidden, at enquirer's password prompt (loaded
 * only when asked, like the interview), or read from standard input (--password-stdin). The value
 * lives in memory only: it goes to the users step as a secret input and nowhere else.
 */
import { InputError } from '../answers/input-error.js';

/** A password the platform tools can take on standard input: one line, not empty. */
export function checkPassword(password: string): string | null {
  if (password === '') return 'is empty';
  if (/[\r\n\0]/.test(password)) return 'must be one line (no line breaks or NUL)';
  if (password.length > 1024) return 'is longer than 1024 characters';
  return null;
}

const MAX_STDIN_BYTES = 4096;

/** The password a script pipes in: everything on standard input, less one final line break. */
export async function readPasswordStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if ((stdin as { isTTY?: boolean }).isTTY) throw new InputError(['--password-stdin: standard input is a terminal; pipe the password in (or leave the option out to be asked)']);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new InputError([`--password-stdin: more than ${MAX_STDIN_BYTES} bytes on standard input: not a password`]);
    chunks.push(buf);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  const problem = checkPassword(password);
  // The value itself is never printed, not even in an error.
  if (problem) throw new InputError([`--password-stdin: the password ${problem}`]);
  return password;
}

export interface PromptStreams {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/**
 * Asks for NAME's password twice, hidden; null when the person leaves it empty (set it later).
 * A second entry that differs asks again from the start.
 */
export async function askPassword(name: string, streams: PromptStreams = {}): Promise<string | null> {
  const { default: enquirer } = await import('enquirer');
  const prompt = async (message: string, validate?: (v: string) => true | string): Promise<string> => {
    const { value } = await enquirer.prompt<{ value: string }>({
      type: 'password',
      name: 'value',
      message,
      ...(validate ? { validate } : {}),
      ...streams,
    } as Parameters<typeof enquirer.prompt>[0]);
    return value;
  };
  for (;;) {
    const first = await prompt(`Password for ${name} (empty: set it later with passwd ${name})`, (v) => {
      const problem = v === '' ? null : checkPassword(v);
      return problem ? `the password ${problem}` : true;
    });
    if (first === '') return null;
    const again = await prompt(`Password for ${name}, again`);
    if (again === first) return first;
    (streams.stdout ?? process.stdout).write('The two passwords differ; once more.\n');
  }
}
