/**
 * Bad input from the person: the CLI prints the lines and exits 2. A module of its own so that the
 * CLI's entry point can catch it without loading the answers' validation (--help stays light).
 */
export class InputError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}
