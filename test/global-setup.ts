/**
 * Build dist/ once before the tests, so CLI tests can run `node dist/cli/main.js`
 * as a user would after `npm ci`.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
