/**
 * Compact kernel reference trees, read as if they held run directories.
 *
 * A reference tree (results/reference/linux-<release>/) holds, per group (a
 * sweep scenario `<group>.yaml` that kernel/run-reference.mjs ran), one
 * archive `<group>.runs.tar.br`: a tar of the group's run directories with
 * only what a run measured or was given — meta.json, resolved.json,
 * scenario.yaml and raw/ (iperf3 JSON, sampler output, ss and tc snapshots,
 * the plan) — compressed with brotli (Node's own zlib). What a run derives
 * from those (summary.json, timeseries.csv, rto-note.txt) is not stored:
 * reading a tree regenerates it with the current converter (convert.ts), a
 * few milliseconds a run, so derived files always follow the converter and
 * cost no space.
 *
 *   loadRunTree(root)      run directories and archived runs under root
 *   packRuns(root, group)  move <root>/<group>/<run>/ directories into the
 *                          group's archive (checked: each packed run derives
 *                          to the same summary before its directory goes)
 *   unpackTree(root, out)  write every archived run as a normal run
 *                          directory, derived files included
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import YAML from 'yaml';
import { findRuns, type RunRecord } from '../analysis/compare.js';
import { writeFileAtomic, toJson } from '../results/io.js';
import { runSummarySchema, type RunMeta } from '../results/schema.js';
import { timeseriesCsv, transitionsCsv, writeRun, type RunArtifacts } from '../results/write.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { InputError } from '../scenario/errors.js';
import { validateScenario } from '../scenario/load.js';
import { convertRun, type RawFiles } from './convert.js';
import { readDirFiles } from './targets.js';
import { readTar, writeTar } from './vm/tar.js';
import { findKernel } from './vm/image.js';

/** File name ending of a group's archive. */
export const RUN_ARCHIVE_SUFFIX = '.runs.tar.br';
/** The files of a run directory that an archive keeps; everything else is derived. */
const STORED_FILES = ['meta.json', 'resolved.json', 'scenario.yaml'] as const;
const STORED_DIR = 'raw/';
/** brotli's best quality and a 16 MB window: the runs' many near-identical files compress well together. */
const BROTLI_QUALITY = 11;
const BROTLI_WINDOW_BITS = 24;

/** One archived run: its directory name and its stored files (paths relative to it). */
export interface StoredRun {
  name: string;
  files: Record<string, Buffer>;
}

/** Runs of an archive, by directory name, in archive order of first appearance. */
export function readRunArchive(file: string): StoredRun[] {
  let files: Record<string, Buffer>;
  try {
    files = readTar(brotliDecompressSync(readFileSync(file)));
  } catch (e) {
    throw new InputError(`${file}: not a cclab run archive (${(e as Error).message.split('\n')[0]})`);
  }
  const runs = new Map<string, StoredRun>();
  for (const [path, data] of Object.entries(files)) {
    const cut = path.indexOf('/');
    if (cut <= 0) throw new InputError(`${file}: entry ${path} is not inside a run directory`);
    const name = path.slice(0, cut);
    let r = runs.get(name);
    if (!r) runs.set(name, (r = { name, files: {} }));
    r.files[path.slice(cut + 1)] = data;
  }
  return [...runs.values()];
}

/**
 * Write runs as one archive, atomically. Entries are ordered by file name,
 * then run (all iperf3 JSON together, all sampler output together...), which
 * compresses best; the same runs always give the same bytes.
 */
export function writeRunArchive(file: string, runs: readonly StoredRun[]): void {
  const entries: [string, Buffer][] = [];
  for (const r of runs) for (const [p, d] of Object.entries(r.files)) entries.push([`${r.name}/${p}`, d]);
  const key = (p: string): [string, string] => [p.slice(p.indexOf('/') + 1), p];
  entries.sort((a, b) => {
    const [fa, pa] = key(a[0]);
    const [fb, pb] = key(b[0]);
    return fa < fb ? -1 : fa > fb ? 1 : pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  const tar = writeTar(entries);
  const br = brotliCompressSync(tar, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS, [zlib.BROTLI_PARAM_SIZE_HINT]: tar.length },
  });
  writeFileAtomic(file, br);
}

/**
 * Regenerate a stored run's artifacts (summary, time series, notes) from its
 * raw files, keeping its creation and wall time. With `reresolve`, its
 * scenario.yaml is resolved again by today's code instead of taking its
 * resolved.json (runs made by different versions then share one hash).
 */
export function deriveRun(run: StoredRun, where: string, opts: { reresolve?: boolean } = {}): RunArtifacts {
  const need = (f: string): Buffer => {
    const b = run.files[f];
    if (!b) throw new InputError(`${where}: run ${run.name} has no ${f}`);
    return b;
  };
  const meta = JSON.parse(need('meta.json').toString('utf8')) as RunMeta;
  const doc = YAML.parse(need('scenario.yaml').toString('utf8')) as Record<string, unknown>;
  const stored = JSON.parse(need('resolved.json').toString('utf8')) as ResolvedScenario;
  // a relative trace path (link.trace) is the sweep file's, as when the run was made
  const resolved = opts.reresolve ? validateScenario(doc, stored.name, meta.scenarioFile ? dirname(meta.scenarioFile) : null).resolved : stored;
  const raw: RawFiles = {};
  for (const [p, d] of Object.entries(run.files)) if (p.startsWith(STORED_DIR)) raw[p.slice(STORED_DIR.length)] = d;
  const { 'plan.sh': plan, ...measured } = raw;
  const a = convertRun({ doc, resolved, file: meta.scenarioFile ?? '' }, measured, {
    target: meta.kernel?.target ?? 'vm',
    wallSeconds: meta.wallSeconds,
    createdAt: meta.createdAt,
    ...(plan !== undefined ? { plan: plan.toString() } : {}),
  });
  a.meta.scenarioFile = meta.scenarioFile;
  return a;
}

/** The derived files of a run as writeRun would write them. */
export function derivedFiles(a: RunArtifacts): Record<string, string> {
  const out: Record<string, string> = { 'summary.json': toJson(a.summary), 'timeseries.csv': timeseriesCsv(a.timeseries) };
  if (a.transitions !== undefined) out['transitions.csv'] = transitionsCsv(a.transitions);
  for (const [name, content] of Object.entries(a.extra ?? {})) if (!name.startsWith(STORED_DIR) && typeof content === 'string') out[name] = content;
  return out;
}

/** Archives under root (root itself may be one). */
export function findRunArchives(root: string): string[] {
  if (!existsSync(root)) return [];
  if (statSync(root).isFile()) return root.endsWith(RUN_ARCHIVE_SUFFIX) ? [root] : [];
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...findRunArchives(p));
    else if (e.isFile() && e.name.endsWith(RUN_ARCHIVE_SUFFIX)) out.push(p);
  }
  return out.sort();
}

/** A run record of an archived run: `dir` is where the run would be unpacked (<tree>/<group>/<run>). */
export interface ArchivedRunRecord extends RunRecord {
  archive: string;
  artifacts: RunArtifacts;
}

/** The archived runs of one archive, derived. */
export function loadArchive(file: string): ArchivedRunRecord[] {
  const groupDir = join(dirname(file), basename(file, RUN_ARCHIVE_SUFFIX));
  return readRunArchive(file).map((r) => {
    const artifacts = deriveRun(r, file);
    return {
      dir: join(groupDir, r.name),
      summary: runSummarySchema.parse(artifacts.summary),
      resolved: artifacts.resolved,
      scenarioDoc: artifacts.scenarioDoc,
      ...(artifacts.meta.kernel?.release ? { kernelRelease: artifacts.meta.kernel.release } : {}),
      archive: file,
      artifacts,
    };
  });
}

/**
 * Every run under root: run directories, and the runs of every archive
 * (derived). A run directory that also exists in an archive (an unpacked
 * copy) is taken once, from the directory.
 */
export function loadRunTree(root: string): RunRecord[] {
  const dirs = findRuns(root).map((r) => ({ ...r, ...releaseOf(r.dir) }));
  const seen = new Set(dirs.map((r) => r.dir));
  const archived = findRunArchives(root).flatMap(loadArchive).filter((r) => !seen.has(r.dir));
  return [...dirs, ...archived];
}

/** The kernel release a run directory's meta.json records, if any. */
function releaseOf(dir: string): { kernelRelease?: string } {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as RunMeta;
    return m.kernel?.release ? { kernelRelease: m.kernel.release } : {};
  } catch {
    return {};
  }
}

/** The kernel releases of a tree's kernel runs, with how many runs each. */
export function kernelReleases(runs: readonly RunRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of runs) if (r.summary.source === 'kernel') m.set(r.kernelRelease ?? 'unknown', (m.get(r.kernelRelease ?? 'unknown') ?? 0) + 1);
  return m;
}

/** The release of the kernel cclab's test VM boots on this machine, or null when none is installed. */
export function vmKernelRelease(): string | null {
  try {
    return findKernel().release;
  } catch {
    return null;
  }
}

/**
 * One line naming the kernel(s) that made some kernel runs, and one warning
 * line when that is not the kernel the test VM here runs (or the runs mix
 * kernels): results from another kernel may differ by that kernel's changes.
 */
export function kernelNotice(what: string, runs: readonly RunRecord[], vmRelease: string | null = vmKernelRelease()): { info: string; warning: string | null } {
  const rel = kernelReleases(runs);
  const runsText = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;
  const list = [...rel].map(([r, n]) => (r === 'unknown' ? `a kernel their meta.json does not name (${runsText(n)})` : `Linux ${r} (${runsText(n)})`)).join(', ');
  const info = `${what}: kernel runs of ${list}`;
  if (rel.size > 1) return { info, warning: `warning: ${what} mixes runs of ${rel.size} kernels; compare runs of one kernel, or check that they agree` };
  const only = [...rel.keys()][0];
  if (vmRelease !== null && only !== undefined && only !== 'unknown' && only !== vmRelease) {
    return { info, warning: `warning: ${what} holds runs of ${only}, but the test VM here runs ${vmRelease}; see results/reference/README.md on how the two compare` };
  }
  return { info, warning: null };
}

/** loadRunTree for a directory the user named: it must exist and hold runs. */
export function loadRunTreeArg(root: string, what: string): RunRecord[] {
  if (!existsSync(root)) throw new InputError(`${what} ${root}: no such directory`);
  const out = loadRunTree(root);
  if (out.length === 0) throw new InputError(`${what} ${root}: no runs found (run directories with summary.json + resolved.json, or *${RUN_ARCHIVE_SUFFIX} archives)`);
  return out;
}

/**
 * A meta.json with the scenario file named relative to the run directory,
 * not by an absolute path of the machine that made it.
 */
function portableMeta(meta: Buffer, runDir: string): Buffer {
  const m = JSON.parse(meta.toString('utf8')) as RunMeta;
  if (typeof m.scenarioFile !== 'string' || !isAbsolute(m.scenarioFile)) return meta;
  m.scenarioFile = relative(runDir, m.scenarioFile);
  return Buffer.from(toJson(m));
}

/** The stored part of a run directory. */
function storedFiles(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const f of STORED_FILES) {
    const p = join(dir, f);
    if (!existsSync(p)) throw new Error(`${dir}: no ${f}; not a run directory cclab can pack`);
    out[f] = f === 'meta.json' ? portableMeta(readFileSync(p), dir) : readFileSync(p);
  }
  if (!existsSync(join(dir, 'raw'))) throw new Error(`${dir}: no raw/ files; only kernel runs can be packed (their summaries are derived from raw/)`);
  for (const [p, d] of Object.entries(readDirFiles(join(dir, 'raw')))) out[`${STORED_DIR}${p}`] = d as Buffer;
  return out;
}

/**
 * Move the run directories of <root>/<group>/ into <root>/<group>.runs.tar.br
 * (created, or extended: runs already in it stay). Before a directory is
 * removed, the archive is read back and the run derived from it must give
 * the directory's summary.json byte for byte; a run whose summary differs
 * (say, written by an older converter) is refused with its name, and nothing
 * is removed. Returns the number of runs packed.
 */
export function packRuns(root: string, group: string, log: (line: string) => void = () => {}): number {
  const groupDir = join(root, group);
  const file = `${groupDir}${RUN_ARCHIVE_SUFFIX}`;
  const dirs = existsSync(groupDir) ? findRuns(groupDir).filter((r) => dirname(r.dir) === groupDir) : [];
  if (dirs.length === 0) return 0;
  const kept = existsSync(file) ? readRunArchive(file) : [];
  const names = new Set(kept.map((r) => r.name));
  const added: StoredRun[] = [];
  for (const r of dirs) {
    const name = basename(r.dir);
    if (names.has(name)) throw new Error(`${r.dir}: a run of that name is already in ${file}; move one of them away first`);
    added.push({ name, files: storedFiles(r.dir) });
  }
  for (const r of added) {
    const want = readFileSync(join(groupDir, r.name, 'summary.json'), 'utf8');
    if (toJson(deriveRun(r, groupDir).summary) !== want) {
      throw new Error(`${join(groupDir, r.name)}: its summary.json differs from the one its raw files give today; re-derive it first (node kernel/run-reference.mjs --reconvert ${groupDir})`);
    }
  }
  const all = [...kept, ...added].sort((a, b) => (a.name < b.name ? -1 : 1));
  writeRunArchive(file, all);
  // read back what was written before removing anything
  const back = new Map(readRunArchive(file).map((r) => [r.name, r]));
  for (const r of added) {
    const b = back.get(r.name);
    if (!b || toJson(deriveRun(b, file).summary) !== readFileSync(join(groupDir, r.name, 'summary.json'), 'utf8')) {
      throw new Error(`${file}: run ${r.name} did not read back as written; its directory is kept`);
    }
  }
  for (const r of added) rmSync(join(groupDir, r.name), { recursive: true, force: true });
  if (readdirSync(groupDir).length === 0) rmSync(groupDir, { recursive: true, force: true });
  log(`packed ${added.length} run(s) into ${file} (${all.length} in all)`);
  return added.length;
}

/** Write every archived run under root as a run directory under out (derived files included). */
export function unpackTree(root: string, out: string): number {
  let n = 0;
  for (const file of findRunArchives(root)) {
    const rel = relative(statSync(root).isFile() ? dirname(root) : root, join(dirname(file), basename(file, RUN_ARCHIVE_SUFFIX)));
    for (const r of loadArchive(file)) {
      writeRun(join(out, rel, basename(r.dir)), r.artifacts);
      n++;
    }
  }
  return n;
}
