/**
 * One benchmark scenario in a fresh process: `node dist/bench/worker.js <scenario> <warmup> <reps>`.
 * Runs the simulation warmup + reps times single-threaded and prints one JSON
 * line with each timed run's wall time, events and data packets, and the
 * process's peak RSS. For a memory measurement run it with 0 warm-ups and 1
 * rep, so the peak is that of a single simulation.
 */
import { performance } from 'node:perf_hooks';
import { loadScenario } from '../scenario/load.js';
import { runSimulation } from '../sim/run.js';

const [file, warmupArg, repsArg] = process.argv.slice(2);
const warmup = Number(warmupArg ?? 1);
const reps = Number(repsArg ?? 3);
const loaded = loadScenario(file!);
const runs: { wallS: number; events: number; dataPackets: number }[] = [];
for (let i = 0; i < warmup + reps; i++) {
  const t0 = performance.now();
  const r = runSimulation(loaded.resolved);
  const wallS = (performance.now() - t0) / 1000;
  if (i >= warmup) runs.push({ wallS, events: r.events, dataPackets: r.dataPackets });
}
process.stdout.write(`${JSON.stringify({ runs, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
