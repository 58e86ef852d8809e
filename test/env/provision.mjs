#!/usr/bin/env node
/**
 * The first step of `npm test`: provision what the kernel-harness, browser,
 * shellcheck and Slurm suites need, before vitest runs.
 *
 * When a requirement (requirements.mjs) is missing and this is Debian with
 * apt-get, as root, it installs the Debian packages of kernel/packages.txt and
 * test/env/packages.txt that are not installed, printing one line that names
 * them (apt's output goes to .cache/provision.log). Otherwise it prints one
 * line per missing requirement saying why its suites are skipped and which
 * command enables them; vitest then counts those suites as skipped. With
 * CCLAB_TEST_NO_SKIP=1 (set by .ci/run) the suites fail instead of skipping.
 *
 * It never fails the test command by itself: what it could not provide shows
 * up as skipped (or, strictly, failing) suites.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUIREMENTS, isRoot, packageList, uninstalledPackages, unmetReason } from './requirements.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOG = join(ROOT, '.cache', 'provision.log');

function say(line) {
  process.stdout.write(`npm test: ${line}\n`);
}

const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg-query');
const unmet = Object.keys(REQUIREMENTS).filter((n) => REQUIREMENTS[n].missing().length > 0);
let installFailed = false;
if (unmet.length > 0 && hasApt && isRoot) {
  // every package of both lists that is not installed (a partial earlier install is completed too)
  const toInstall = uninstalledPackages([...new Set([...packageList('kernel/packages.txt'), ...packageList('test/env/packages.txt')])]);
  if (toInstall.length > 0) {
    say(`installing Debian packages for ${unmet.map((n) => REQUIREMENTS[n].what).join(', ')}: ${toInstall.join(' ')} (log: .cache/provision.log)`);
    mkdirSync(dirname(LOG), { recursive: true });
    const fd = openSync(LOG, 'a');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', fd, fd], env }).status === 0;
    installFailed = !(run(['update', '-q']) && run(['install', '-y', '-q', '--no-install-recommends', ...toInstall]));
    closeSync(fd);
  }
}
// what is still missing: one line for all, with the command that enables it
const skipped = Object.keys(REQUIREMENTS).filter((n) => unmetReason(n) !== null);
if (skipped.length > 0) {
  const missing = [...new Set(skipped.flatMap((n) => REQUIREMENTS[n].missing()))];
  const why = [...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []), ...(isRoot ? [] : ['not root'])].join('; ');
  const how = !hasApt
    ? `install ${[...new Set(skipped.flatMap((n) => REQUIREMENTS[n].packages))].join(' ')} or their equivalents`
    : installFailed
      ? 'apt-get install failed, see .cache/provision.log'
      : isRoot
        ? 'run: npm run setup:test'
        : 'run: sudo npm run setup:test, then npm test as root';
  say(`skipping ${skipped.map((n) => REQUIREMENTS[n].what).join(', ')}: ${why} (${how})`);
}
