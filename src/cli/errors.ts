/**
 * How the CLI ends on errors: an InputError (bad scenario, bad flag, bad
 * file) prints one line and exits 2; anything else is a bug or an
 * environment failure and exits 1 with its message (stack only with CCLAB_DEBUG=1).
 */
import { InputError } from '../scenario/errors.js';

export function handleCliError(e: unknown): never {
  if (e instanceof InputError) {
    process.stderr.write(`cclab: ${e.message}\n`);
    process.exit(2);
  }
  const err = e as Error;
  if (process.env.CCLAB_DEBUG) process.stderr.write(`${err?.stack ?? String(e)}\n`);
  else process.stderr.write(`cclab: error: ${err?.message ?? String(e)}\n`);
  process.exit(1);
}
