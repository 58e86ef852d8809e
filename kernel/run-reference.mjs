#!/usr/bin/env node
// Run (or resume) a sweep scenario on a kernel target into a reference tree,
// then pack the new runs into the group's archive (<root>/<name>.runs.tar.br,
// src/kernel/reference.ts); points already in the tree, packed or not, are skipped.
// Usage: node kernel/run-reference.mjs [sweep.yaml] [root] [--target vm] [--batch 15] [--module x.ko]
//        node kernel/run-reference.mjs --pack [root]
//          pack every run directory <root>/<group>/<run>/ into <root>/<group>.runs.tar.br
//        node kernel/run-reference.mjs --unpack <out> [root]
//          write every archived run as a run directory under <out>, derived files included
//        node kernel/run-reference.mjs --reconvert [--reresolve] [root]
//          re-derive summaries of unpacked run directories from their raw/ files
//          (--reresolve: also resolve each run's scenario.yaml again, so all runs share
//          today's resolved.json and hash); for archived runs: --unpack, --reconvert, --pack
// Defaults: the reference grid under results/reference/linux-<VM kernel release>/.
// Needs `npm run build` first (imports dist/).
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runKernelSweep, reconvertRuns } = await import(join(repo, 'dist/kernel/sweep.js'));
const { packRuns, unpackTree } = await import(join(repo, 'dist/kernel/reference.js'));
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
const pack = flag('--pack');
const unpackTo = opt('--unpack', null);
const reresolve = flag('--reresolve');
const target = opt('--target', 'vm');
const batchSize = Number(opt('--batch', '15'));
const modules = [];
for (let m; (m = opt('--module', null)); ) modules.push(m);
const refDir = join(repo, 'results/reference', `linux-${findKernel().release}`);
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (l) => console.log(`${stamp()} ${l}`);
/** Pack every group directory of a tree into its archive. */
const packTree = (tree) => {
  for (const e of readdirSync(tree, { withFileTypes: true })) {
    if (e.isDirectory() && !e.name.startsWith('.')) packRuns(tree, e.name, log);
  }
};
if (reconvert) {
  reconvertRuns(args[0] ?? refDir, { reresolve, log });
  process.exit(0);
}
if (pack) {
  packTree(args[0] ?? refDir);
  process.exit(0);
}
if (unpackTo) {
  log(`unpacked ${unpackTree(args[0] ?? refDir, unpackTo)} run(s) into ${unpackTo}`);
  process.exit(0);
}
const file = args[0] ?? join(refDir, readdirSync(refDir).find((f) => f.endsWith('.yaml')));
const root = args[1] ?? refDir;
const r = await runKernelSweep(file, root, { target, batchSize, modules, log });
log(`finished: ${r.done} run, ${r.skipped} skipped, ${r.failed} failed`);
packTree(root);
process.exit(r.failed > 0 ? 1 : 0);
