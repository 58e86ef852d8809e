/**
 * `npm run bench`: the simulator's speed and memory on fixed scenarios.
 *
 * Each scenario of bench/scenarios runs in its own process, single-threaded,
 * a warm-up run then several timed runs; we report medians of data packets
 * per wall-second, events per wall-second and wall time. Peak RSS comes from
 * one more fresh process that runs the scenario once, so it is the memory
 * of one simulation. Scenario (g) times a 24-point sweep with
 * one and two worker threads. Results go to bench/results/<date>.json and a
 * table on stdout; bench/README.md explains how to read them.
 *
 * Options: --reps N (default 3), --only a,b,...  --no-sweep
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from 'simple-statistics';
import { writeFileAtomic, toJson } from '../results/io.js';
import { CCLAB_VERSION } from '../results/version.js';
import { table } from '../cli/format.js';

const root = resolve(new URL('../../', import.meta.url).pathname);
const scenarioDir = join(root, 'bench', 'scenarios');

interface ScenarioResult {
  id: string;
  file: string;
  pktPerSec: number;
  eventsPerSec: number;
  wallS: number;
  peakRssMB: number;
  dataPackets: number;
  events: number;
  runs: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const reps = Number(arg('--reps') ?? 3);
const only = arg('--only')?.split(',');

const files = readdirSync(scenarioDir)
  .filter((f) => /^[a-fhit]-.*\.ya?ml$/.test(f))
  .sort()
  .filter((f) => !only || only.includes(f[0]!));

const results: ScenarioResult[] = [];
for (const f of files) {
  const id = f[0]!;
  process.stderr.write(`bench ${f} ...\n`);
  const out = execFileSync(process.execPath, [join(root, 'dist/bench/worker.js'), join(scenarioDir, f), '1', String(reps)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { runs: { wallS: number; events: number; dataPackets: number }[]; peakRssMB: number };
  // peak RSS of one simulation on its own: a fresh process, no warm-up
  const mem = JSON.parse(
    execFileSync(process.execPath, [join(root, 'dist/bench/worker.js'), join(scenarioDir, f), '0', '1'], { encoding: 'utf8' }).trim().split('\n').pop()!,
  ) as { peakRssMB: number };
  results.push({
    id,
    file: f,
    pktPerSec: Math.round(median(r.runs.map((x) => x.dataPackets / x.wallS))),
    eventsPerSec: Math.round(median(r.runs.map((x) => x.events / x.wallS))),
    wallS: +median(r.runs.map((x) => x.wallS)).toFixed(3),
    peakRssMB: Math.round(mem.peakRssMB),
    dataPackets: r.runs[0]!.dataPackets,
    events: r.runs[0]!.events,
    runs: r.runs.length,
  });
}

// (g) a 24-point sweep with 1 and 2 workers
let sweep: { jobs1S: number; jobs2S: number; speedup: number } | null = null;
if (!process.argv.includes('--no-sweep') && (!only || only.includes('g'))) {
  const spec = join(scenarioDir, 'g-sweep24.yaml');
  const time = (jobs: number) => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-bench-'));
    const t0 = performance.now();
    execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'sweep', spec, '--jobs', String(jobs), '--out', out, '--force'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const s = (performance.now() - t0) / 1000;
    rmSync(out, { recursive: true, force: true });
    return s;
  };
  process.stderr.write('bench g-sweep24 (jobs 1, jobs 2) ...\n');
  const j1 = median([time(1), time(1), time(1)]);
  const j2 = median([time(2), time(2), time(2)]);
  sweep = { jobs1S: +j1.toFixed(2), jobs2S: +j2.toFixed(2), speedup: +(j1 / j2).toFixed(2) };
}

const date = new Date().toISOString();
const record = {
  date,
  cclabVersion: CCLAB_VERSION,
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  reps,
  scenarios: results,
  sweep,
};
const outFile = join(root, 'bench', 'results', `${date.slice(0, 19).replace(/:/g, '-')}.json`);
writeFileAtomic(outFile, toJson(record));

const rows: (string | number)[][] = [['scenario', 'pkts/s (median)', 'events/s', 'wall s', 'peak RSS MB', 'data packets']];
for (const r of results) rows.push([r.file.replace(/\.ya?ml$/, ''), r.pktPerSec.toLocaleString('en'), r.eventsPerSec.toLocaleString('en'), r.wallS, r.peakRssMB, r.dataPackets]);
process.stdout.write(`${table(rows)}\n`);
if (sweep) process.stdout.write(`\ng-sweep24: --jobs 1 ${sweep.jobs1S}s, --jobs 2 ${sweep.jobs2S}s, speed-up ${sweep.speedup}x\n`);
process.stdout.write(`\nwritten to ${outFile}\n`);
