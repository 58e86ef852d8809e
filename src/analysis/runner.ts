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
import type { PointResult, PointTask } from './point.js';

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
  const file = workerFile();
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
