/**
 * The kernel harness: run scenarios on real Linux TCP (netem + iperf3) and
 * return results in the simulator's schema.
 *
 *   scenario --plan.ts--> shell script --targets.ts--> raw files
 *            --convert.ts--> RunArtifacts (summary.json, timeseries.csv, raw/)
 *
 * runKernelScenario runs one scenario; runKernelBatch runs many (a sweep)
 * in one go, which for the VM target means one boot for all of them.
 * docs/kernel.md describes targets, the netem mapping and its limits.
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../scenario/errors.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { RunArtifacts } from '../results/write.js';
import { convertRun, parseRun, type RawFiles } from './convert.js';
import { EXIT_CC_MISSING, EXIT_TARGET_UNFIT, executablePlan, generatePlan, planTimeoutS, refuseQuic } from './plan.js';
import { makeTarget, type PlanOutput, type Target } from './targets.js';
import { verifyRun } from './verify.js';

export interface KernelRunOptions {
  /** vm | local | ssh://user@host[:port] */
  target: string;
  /** Extra kernel modules (.ko files) to load first, e.g. tcp_brutal.ko. */
  modules?: string[];
  /** Overall deadline in seconds (VM: the guest is killed then). */
  timeoutS?: number;
  log?: (line: string) => void;
}

/** A kernel run that failed; `files` holds what the plan left behind, for a look. */
export class KernelRunError extends Error {
  constructor(
    message: string,
    readonly files: RawFiles = {},
  ) {
    super(message);
    this.name = 'KernelRunError';
  }
}

export interface KernelBatchOptions extends KernelRunOptions {
  /** Called as each point finishes, with its artifacts or its error. */
  onResult?: (index: number, result: RunArtifacts | Error) => void;
}

/** One line naming what went wrong in a plan, by exit code. */
function planError(target: Target, s: LoadedScenario, out: PlanOutput): Error {
  const file = (n: string): string => {
    const f = out.files[n];
    return f === undefined ? '' : (typeof f === 'string' ? f : f.toString('utf8')).trim();
  };
  const msg = file('error').split('\n')[0] || file('plan.log').split('\n').filter(Boolean).at(-1) || `plan exited with code ${out.rc}`;
  if (out.rc === EXIT_CC_MISSING) return new InputError(`${s.resolved.name} on ${target.name}: ${msg}`);
  if (out.rc === EXIT_TARGET_UNFIT) return new Error(`target ${target.name} cannot run kernel scenarios: ${msg}`);
  return new KernelRunError(`kernel run of ${s.resolved.name} on ${target.name} failed: ${msg}`, out.files);
}

function toArtifacts(target: Target, s: LoadedScenario, out: PlanOutput | undefined, plan: string, wallSeconds: number): RunArtifacts {
  if (!out) throw new Error(`kernel run of ${s.resolved.name} on ${target.name} did not finish`);
  if (out.rc !== 0) throw planError(target, s, out);
  const files: RawFiles = out.files;
  const problems = verifyRun(s.resolved, parseRun(s.resolved, files));
  if (problems.length > 0) throw new KernelRunError(`kernel run of ${s.resolved.name} on ${target.name}: ${problems.join('; ')}`, files);
  return convertRun(s, files, { target: target.name, wallSeconds, plan });
}

/** Run many scenarios on one target; each entry is the run's artifacts or its error. */
export async function runKernelBatch(points: readonly LoadedScenario[], opts: KernelBatchOptions): Promise<(RunArtifacts | Error)[]> {
  const log = opts.log ?? (() => {});
  // refused before the target is prepared (a VM would boot for nothing)
  for (const p of points) refuseQuic(p.resolved);
  const target = makeTarget(opts.target, opts.modules ?? []);
  await target.prepare(log);
  const plans = points.map((p) =>
    generatePlan(p.resolved, {
      runId: randomBytes(4).toString('hex'),
      moduleHint: target.moduleHint,
      ...(target.shimPath ? { shimPath: target.shimPath } : {}),
      ...(target.samplerPath ? { samplerPath: target.samplerPath } : {}),
      ...(target.flowPath ? { flowPath: target.flowPath } : {}),
      ...(target.pacerPath ? { pacerPath: target.pacerPath } : {}),
    }),
  );
  const results: (RunArtifacts | Error)[] = points.map(() => new Error('not run'));
  let last = Date.now();
  const settle = (i: number, out: PlanOutput | undefined): void => {
    const now = Date.now();
    try {
      results[i] = toArtifacts(target, points[i]!, out, plans[i]!, (now - last) / 1000);
    } catch (e) {
      results[i] = e as Error;
    }
    last = now;
    opts.onResult?.(i, results[i]!);
  };
  const done = new Set<number>();
  const outputs = await target.runBatch(plans.map(executablePlan), {
    timeoutsS: points.map((p) => planTimeoutS(p.resolved)),
    ...(opts.timeoutS !== undefined ? { timeoutS: opts.timeoutS } : {}),
    log,
    onOutput: (i, out) => {
      done.add(i);
      settle(i, out);
    },
  });
  outputs.forEach((out, i) => {
    if (!done.has(i)) settle(i, out);
  });
  return results;
}

/** Run one scenario on a kernel target and return its results in the shared schema. */
export async function runKernelScenario(loaded: LoadedScenario, opts: KernelRunOptions): Promise<RunArtifacts> {
  const [r] = await runKernelBatch([loaded], opts);
  if (r instanceof Error) throw r;
  return r!;
}

/**
 * The warning line for a kernel run whose target's TCP met memory pressure
 * (RunMeta.kernel.tcpMemoryPressureMs), or null: such a run measured a
 * machine short of TCP memory, not the scenario's path.
 */
export function tcpMemoryPressureWarning(meta: RunArtifacts['meta']): string | null {
  const ms = meta.kernel?.tcpMemoryPressureMs;
  return ms
    ? `warning: TCP memory pressure on the target for ${ms} ms of the run (net.ipv4.tcp_mem): receive windows were clamped as separate hosts would not clamp them`
    : null;
}

export { executablePlan, generatePlan, planTimeoutS } from './plan.js';
export { parseIperf3Json } from './parse/iperf3.js';
export { parseSs } from './parse/ss.js';
export { parseTcQdiscs } from './parse/tc.js';
export { VmTimeoutError } from './vm/qemu.js';
