/** A user error: printed as one line (`peftjs <command>: <message>`) with exit status 1, no stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
