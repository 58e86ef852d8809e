#!/usr/bin/env node
// Run (or resume) a sweep scenario on a kernel target into a results root.
// Usage: node kernel/run-reference.mjs [sweep.yaml] [root] [--target vm] [--batch 15] [--module x.ko]
//        node kernel/run-reference.mjs --reconvert [--reresolve] [root]
//          re-derive summaries from raw/ files (--reresolve: also resolve each run's
//          scenario.yaml again, so all runs share today's resolved.json and hash)
// Defaults: the reference grid under results/reference/linux-<VM kernel release>/.
// Needs `npm run build` first (imports dist/).
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runKernelSweep, reconvertRuns } = await import(join(repo, 'dist/kernel/sweep.js'));
const { findKernel } = await import(join(repo, 'dist/kernel/vm/image.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const reconvert = flag('--reconvert');
const reresolve = flag('--reresolve');
const target = opt('--target', 'vm');
const batchSize = Number(opt('--batch', '15'));
const modules = [];
for (let m; (m = opt('--module', null)); ) modules.push(m);
const refDir = join(repo, 'results/reference', `linux-${findKernel().release}`);
const file = args[0] ?? join(refDir, readdirSync(refDir).find((f) => f.endsWith('.yaml')));
const root = args[1] ?? refDir;
const stamp = () => new Date().toISOString().slice(11, 19);
if (reconvert) {
  reconvertRuns(args[0] ?? refDir, { reresolve, log: (l) => console.log(`${stamp()} ${l}`) });
  process.exit(0);
}
const r = await runKernelSweep(file, root, { target, batchSize, modules, log: (l) => console.log(`${stamp()} ${l}`) });
console.log(`${stamp()} finished: ${r.done} run, ${r.skipped} skipped, ${r.failed} failed`);
process.exit(r.failed > 0 ? 1 : 0);
