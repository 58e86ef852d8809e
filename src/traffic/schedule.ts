/**
 * When a flow's application writes: the deterministic schedules both
 * backends follow. The simulator's sender and the kernel harness's traffic
 * generator read the same lists, drawn from the scenario's seed on a stream
 * of the flow's own, so a run is the same on either backend and whatever
 * the number of workers.
 *
 * On/off (ns-3's OnOffApplication): the flow starts in an on period; on and
 * off periods alternate, each drawn from its distribution, until the flow's
 * stop. During an on period the application writes (at `rate`, or as much
 * as TCP takes); during an off period it writes nothing. One connection
 * carries the whole flow.
 *
 * Workloads (arrivals): new connections arrive as a Poisson process of the
 * given rate (exponential gaps) from the flow's start until its stop, each
 * with a size drawn from its distribution; each is a TCP connection of its
 * own (handshake, slow start), done when its last byte is ACKed.
 */
import { Rng } from '../engine/rng.js';
import { draw, type Dist } from './dist.js';

/** A flow's application (ResolvedFlow.app): a rate, on/off periods, or both. */
export interface AppModel {
  /** The application writes at this rate (bits/s); absent: as fast as TCP sends (bulk). */
  rateBps?: number;
  /** On and off period lengths (ns); both or neither. */
  on?: Dist;
  off?: Dist;
}

/** Most on/off periods a flow may have (the schedule is kept in memory and in the kernel plan). */
export const MAX_ONOFF_PERIODS = 100_000;

/**
 * The on periods [start, end) of a flow (ns from the run's start), from its
 * start to its stop; one period [start, stop) when the application has no
 * on/off model.
 */
export function onPeriods(app: AppModel | undefined, seed: number, flowId: number, startNs: number, stopNs: number): [number, number][] {
  if (app?.on === undefined || app.off === undefined) return [[startNs, stopNs]];
  const rng = new Rng(seed, `app/onoff/flow${flowId}`);
  const out: [number, number][] = [];
  let t = startNs;
  while (t < stopNs) {
    if (out.length >= MAX_ONOFF_PERIODS) throw new Error(`flows[${flowId}].app: more than ${MAX_ONOFF_PERIODS} on periods; use longer on and off times`);
    const end = Math.min(stopNs, t + draw(app.on, rng));
    out.push([t, end]);
    t = end + draw(app.off, rng);
  }
  return out;
}

/** A short-flow workload (ResolvedFlow.arrivals). */
export interface ArrivalModel {
  process: 'poisson';
  /** New connections per second (mean). */
  ratePerS: number;
  /** Bytes each connection sends. */
  size: Dist;
}

/** One connection of a workload: when it starts (ns from the run's start) and what it sends (bytes). */
export interface Arrival {
  startNs: number;
  bytes: number;
}

/** The connections of a workload flow, in time order, from its start to its stop. */
export function arrivalSchedule(arr: ArrivalModel, seed: number, flowId: number, startNs: number, stopNs: number): Arrival[] {
  const gaps = new Rng(seed, `arrivals/gaps/flow${flowId}`);
  const sizes = new Rng(seed, `arrivals/sizes/flow${flowId}`);
  const meanGapNs = 1e9 / arr.ratePerS;
  const out: Arrival[] = [];
  let t = startNs + draw({ kind: 'exp', mean: meanGapNs }, gaps);
  while (t < stopNs) {
    out.push({ startNs: t, bytes: draw(arr.size, sizes) });
    t += draw({ kind: 'exp', mean: meanGapNs }, gaps);
  }
  return out;
}
