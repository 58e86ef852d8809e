/**
 * The parallel point runner: a pool of worker threads, each simulating one
 * point at a time and writing its run directory atomically as it finishes.
 * The order in which points finish depends on --jobs; their contents do not
 * (each point is deterministic in its scenario and seed), and the summary is
 * assembled in plan order afterwards.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import type { PointResult, PointTask } from './point.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { ccSpec } from '../cc/index.js';

/**
 * The compiled worker: next to this file when running from dist/, or in dist/
 * when this module runs from sources (vitest). The worker always runs the
 * compiled simulator, so run `npm run build` after changing it.
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? fileURLToPath(new URL('../../dist/analysis/worker.js', import.meta.url))
    : fileURLToPath(new URL('./worker.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`sweep worker ${file} not found; build first (npm run build)`);
  return file;
}

/** The dist/ directory whose simulator the workers run. */
export function workerDistDir(): string {
  return dirname(dirname(workerFile()));
}

/**
 * A rough estimate of a point's simulation work: the packets its flows can
 * send, weighted up for paced algorithms (a timer per packet) and down for
 * loss-limited ones under random loss. Only used to run the longest points
 * first, so that a parallel sweep does not end with one long point running
 * alone; results never depend on it.
 */
export function estimateCost(s: ResolvedScenario): number {
  const p = s.link.loss.kind === 'bernoulli' ? s.link.loss.p : s.link.loss.p / Math.max(s.link.loss.p + s.link.loss.r, 1e-9);
  const pkts = (s.link.rateBps * (s.durationNs / 1e9)) / 8 / 1514;
  let w = 0;
  for (const f of s.flows) w += ccSpec(f.cc)?.paced ? 1.3 : 1 / (1 + 300 * p);
  return pkts * Math.max(w, 1);
}

export interface PointOutcome {
  task: PointTask;
  result: PointResult;
}

/**
 * Run tasks on `jobs` worker threads; `onDone` is called as each finishes
 * (successfully or not). A worker that dies fails its point and is replaced.
 */
export async function runTasks(tasks: readonly PointTask[], jobs: number, onDone: (o: PointOutcome) => void): Promise<PointOutcome[]> {
  const outcomes: PointOutcome[] = [];
  if (tasks.length === 0) return outcomes;
  // longest first (stable): a parallel run then ends with short points, not one long straggler
  tasks = [...tasks].sort((a, b) => (b.cost ?? 0) - (a.cost ?? 0) || a.index - b.index);
  const file = workerFile();
  // The workers keep every core busy; V8's background (concurrent) recompilation
  // threads would only steal time from them. Measured on the 2-core machine:
  // the 24-point benchmark sweep's --jobs 2 speed-up went from ~1.7x to ~1.9x.
  setFlagsFromString('--no-concurrent-recompilation');
  let next = 0;
  let finished = 0;
  const n = Math.max(1, Math.min(jobs, tasks.length));
  const workers = new Set<Worker>();

  return await new Promise<PointOutcome[]>((resolve) => {
    const finish = (task: PointTask, result: PointResult) => {
      const o = { task, result };
      outcomes.push(o);
      finished++;
      onDone(o);
      if (finished === tasks.length) {
        for (const w of workers) void w.terminate();
        workers.clear();
        resolve(outcomes);
      }
    };
    const start = () => {
      const w = new Worker(file);
      workers.add(w);
      let current: PointTask | null = null;
      const feed = () => {
        if (next >= tasks.length) {
          current = null;
          workers.delete(w);
          void w.terminate();
          return;
        }
        current = tasks[next++]!;
        w.postMessage(current);
      };
      w.on('message', (r: PointResult) => {
        const t = current!;
        current = null;
        feed();
        finish(t, r);
      });
      const died = (why: string) => {
        if (!workers.has(w)) return;
        workers.delete(w);
        const t = current;
        current = null;
        if (t) {
          if (next < tasks.length) start();
          finish(t, { index: t.index, ok: false, error: `worker died: ${why}` });
        }
      };
      w.on('error', (e) => died(e.message));
      w.on('exit', (code) => died(`exit code ${code}`));
      feed();
    };
    for (let i = 0; i < n; i++) start();
  });
}
