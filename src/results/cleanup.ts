/**
 * Ending on a signal: when the user interrupts cclab (SIGINT, SIGTERM,
 * SIGHUP), the cleanups registered by whoever holds temporary folders,
 * locks or child processes run (synchronously, each once), one line says
 * what was kept, and the process exits with 128 + the signal number.
 *
 * Commands call onInterrupt(message) to install the handlers; lower layers
 * (the VM, the sweep folder lock) call addCleanup while they hold something.
 */
const cleanups = new Set<() => void>();
let message: () => string = () => 'interrupted';
let installed = false;

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/** Register a cleanup; call the returned function once it is no longer needed. */
export function addCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** Run every registered cleanup now (errors are ignored: this is the way out). */
export function runCleanups(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      /* keep going */
    }
  }
}

/**
 * Install the signal handlers (once) with the line to print, e.g.
 * "interrupted: 12 points kept, resume with the same command".
 */
export function onInterrupt(msg: () => string, write: (line: string) => void = (l) => void process.stderr.write(l)): void {
  message = msg;
  if (installed) return;
  installed = true;
  for (const [sig, num] of Object.entries(SIGNALS)) {
    process.on(sig, () => {
      let line = 'interrupted';
      try {
        line = message();
      } catch {
        /* the plain line */
      }
      runCleanups();
      write(`\ncclab: ${line}\n`);
      process.exit(128 + num);
    });
  }
}
