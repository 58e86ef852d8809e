/**
 * Build dist/ once before the tests, as `npm run build` does (from an empty
 * dist/, so no file of a deleted source stays behind to change the
 * simulator's fingerprint), so CLI tests can run `node dist/cli/main.js` as
 * a user would after `npm ci`.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
