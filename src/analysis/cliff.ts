/**
 * Points near a loss cliff, run by run (issue 19): one bulk flow over a
 * random-loss link whose runs split between holding the link and
 * collapsing, as BBR v1 does somewhere between 10% and 25% loss at 100
 * Mbit/s and 100 ms. There a mean of 5 runs says little (one collapsed run
 * more or less moves it by a fifth), so cclab validate also compares how
 * often runs collapse and the whole distribution of per-run goodputs.
 */
import type { ResolvedScenario } from '../scenario/resolve.js';
import { dataWireBytes } from '../network/wire.js';
import type { RunRecord } from './compare.js';
import { mannWhitney, type MannWhitney } from './mann-whitney.js';

/** A run collapsed when its goodput is below this fraction of the ceiling (goodputCeilingMbps). */
export const COLLAPSE_FRACTION = 0.5;

/** Near a cliff: the simulator's share of collapsed runs within this many percentage points of the kernel's. */
export const COLLAPSED_SHARE_TOLERANCE_PP = 20;

/** Near a cliff: the two-sample test of per-run goodputs must not reject at this level. */
export const CLIFF_TEST_ALPHA = 0.05;

/** Near a cliff the check needs at least this many kernel repetitions (a share of 3 runs moves in steps of 33 pp). */
export const CLIFF_MIN_KERNEL_RUNS = 5;

/**
 * The goodput one bulk flow can reach (Mbit/s): the link rate (or a Brutal
 * flow's own rate, if lower) x (1 - random loss) x the payload's fraction
 * of a full data frame on the wire (1448 of 1514 bytes); the ceiling of the
 * BBR paper's loss figure. Undefined where it is not that simple: several
 * flows, a byte-limited or application-limited flow, a chain of links, a
 * trace-driven link, a Gilbert-Elliott loss model.
 */
export function goodputCeilingMbps(r: ResolvedScenario): number | undefined {
  if (r.flows.length !== 1 || r.links || r.link.trace || r.link.loss.kind !== 'bernoulli') return undefined;
  const f = r.flows[0]!;
  if (f.bytes !== null || f.app || f.arrivals || f.direction) return undefined;
  const brutalBps = f.brutal ? f.brutal.rateBytesPerSec * 8 : Infinity;
  return (Math.min(r.link.rateBps, brutalBps) * (1 - r.link.loss.p) * (f.mss / dataWireBytes(f.mss))) / 1e6;
}

/**
 * The run-by-run check of a point near a loss cliff; undefined for a point
 * without a simple ceiling (goodputCeilingMbps), with fewer than
 * CLIFF_MIN_KERNEL_RUNS kernel runs, or away from a cliff: there every run
 * of both backends collapsed, or none did.
 */
export function cliffCheck(kernelRuns: readonly RunRecord[], simRuns: readonly RunRecord[]): CliffCheck | undefined {
  if (kernelRuns.length < CLIFF_MIN_KERNEL_RUNS || !simRuns.length) return undefined;
  const ceilingMbps = goodputCeilingMbps(kernelRuns[0]!.resolved);
  if (ceilingMbps === undefined) return undefined;
  const k = kernelRuns.map((r) => r.summary.aggregate.goodputMbps);
  const sm = simRuns.map((r) => r.summary.aggregate.goodputMbps);
  const threshold = COLLAPSE_FRACTION * ceilingMbps;
  const collapsed = (v: number[]): number => v.filter((x) => x < threshold).length / v.length;
  const pooled = collapsed([...k, ...sm]);
  if (pooled === 0 || pooled === 1) return undefined;
  const share = { kernel: collapsed(k), sim: collapsed(sm) };
  const test = mannWhitney(sm, k);
  const shareOk = Math.abs(share.sim - share.kernel) * 100 <= COLLAPSED_SHARE_TOLERANCE_PP;
  const testOk = test.p >= CLIFF_TEST_ALPHA;
  return { ceilingMbps, collapsed: share, test, shareOk, testOk, ok: shareOk && testOk };
}

export interface CliffCheck {
  /** Link (or Brutal) rate x (1 - loss) x payload fraction, Mbit/s. */
  ceilingMbps: number;
  /** Share (0..1) of runs whose goodput is below half the ceiling. */
  collapsed: { kernel: number; sim: number };
  /** Mann-Whitney U test of the simulator's per-run goodputs against the kernel's. */
  test: MannWhitney;
  shareOk: boolean;
  testOk: boolean;
  ok: boolean;
}
