/**
 * InputError: the user gave us something we cannot use. The CLI prints its
 * message as one line and exits with code 2, without a stack trace.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
