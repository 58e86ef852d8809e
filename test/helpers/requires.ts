/**
 * Suites that need something of the machine (the test VM's packages,
 * Chromium, shellcheck, Slurm, poppler-utils, root): `describeWith('kernel', name, fn)` runs the
 * suite when the requirement is met (test/env/requirements.mjs), skips it
 * otherwise (npm test's provisioning step has printed why), and with
 * CCLAB_TEST_NO_SKIP=1 (set by .ci/run) replaces it by one failing test that
 * says what is missing, so CI never passes without them.
 */
import { describe, it } from 'vitest';
// @ts-expect-error plain ESM shared with the provisioning script, no types
import { STRICT_ENV, unmetReason } from '../env/requirements.mjs';

export type Requirement = 'kernel' | 'browser' | 'shellcheck' | 'slurm' | 'pdf';

/** Why the requirement is not met here, or null. */
export function unmet(req: Requirement): string | null {
  return (unmetReason as (n: string) => string | null)(req);
}

export function describeWith(req: Requirement, name: string, fn: () => void): void {
  const why = unmet(req);
  if (why === null) {
    describe(name, fn);
  } else if (process.env[STRICT_ENV as string] === '1') {
    describe(name, () => {
      it(`has what it needs (${STRICT_ENV}=1 forbids skipping)`, () => {
        throw new Error(`cannot run ${why}`);
      });
    });
  } else {
    describe.skip(name, fn);
  }
}
