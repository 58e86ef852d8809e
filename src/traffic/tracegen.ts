/**
 * Synthetic link traces in mahimahi's format (network/trace.ts): a rate over
 * time turned into delivery opportunities of 1500 bytes.
 *
 * Kinds:
 *   constant   one rate
 *   step       rates from given times on, e.g. 50mbit@0s, 10mbit@10s, 50mbit@20s
 *   square     a high and a low rate alternating: a period, the share of it high
 *   onoff      a rate for `on`, nothing for `off`, repeated
 *   cellular   a rate that wanders as cellular links do, with outages: its
 *              logarithm follows a mean-reverting random walk (an
 *              Ornstein-Uhlenbeck process, updated every 10 ms) whose
 *              stationary log-normal has the mean rate as its mean (before
 *              clamping and outages), pulled back at `reversion` per second, with
 *              `volatility` per square-root second, kept within [min, max];
 *              outages of exponential length (mean `outage`) start at
 *              `outageRate` per second, during which nothing is delivered;
 *              within each millisecond the number of opportunities is drawn
 *              from a Poisson distribution of the current rate's mean, as
 *              cellular schedulers grant transmissions in bursts.
 *
 * The deterministic kinds place opportunities evenly: each millisecond adds
 * rate x 1 ms of credit, and every full 1500 bytes of it is an opportunity
 * at that millisecond. Every trace ends with an opportunity at its last
 * millisecond, the duration, because mahimahi repeats a trace with the
 * period of its last line; a trace that ends in an off period carries that
 * one extra opportunity.
 */
import { Rng } from '../engine/rng.js';
import { TRACE_OPPORTUNITY_BYTES } from '../network/trace.js';

const BITS_PER_OPPORTUNITY = TRACE_OPPORTUNITY_BYTES * 8;
/** The cellular model's rate updates, ms. */
export const CELLULAR_STEP_MS = 10;

export type TraceSpec =
  | { kind: 'constant'; rateBps: number; durationMs: number }
  | { kind: 'step'; steps: { atMs: number; rateBps: number }[]; durationMs: number }
  | { kind: 'square'; highBps: number; lowBps: number; periodMs: number; duty: number; durationMs: number }
  | { kind: 'onoff'; rateBps: number; onMs: number; offMs: number; durationMs: number }
  | {
      kind: 'cellular';
      meanBps: number;
      minBps: number;
      maxBps: number;
      /** Pull back towards the mean, per second (the OU process's theta). */
      reversion: number;
      /** Standard deviation of the log rate's change per square-root second (sigma). */
      volatility: number;
      /** Outages starting per second (mean). */
      outageRate: number;
      /** Mean outage length, ms. */
      outageMs: number;
      durationMs: number;
      seed: number;
    };

/** The rate (bits/s) of a deterministic kind during millisecond ms (from 0). */
function rateAt(spec: Exclude<TraceSpec, { kind: 'cellular' }>, ms: number): number {
  switch (spec.kind) {
    case 'constant':
      return spec.rateBps;
    case 'step': {
      let r = 0;
      for (const s of spec.steps) if (ms >= s.atMs) r = s.rateBps;
      return r;
    }
    case 'square':
      return ms % spec.periodMs < spec.duty * spec.periodMs ? spec.highBps : spec.lowBps;
    case 'onoff':
      return ms % (spec.onMs + spec.offMs) < spec.onMs ? spec.rateBps : 0;
  }
}

/** Poisson draw of mean m (Knuth's method for small means, a normal approximation above 30). */
function poisson(rng: Rng, m: number): number {
  if (m <= 0) return 0;
  if (m > 30) {
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(m + Math.sqrt(m) * z));
  }
  const l = Math.exp(-m);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= rng.next();
    if (p < l) return k;
    k++;
  }
}

/** The opportunities of a trace, ms per line, ending with one at the duration. */
export function generateTrace(spec: TraceSpec): number[] {
  const out: number[] = [];
  if (spec.kind === 'cellular') {
    const rng = new Rng(spec.seed, 'trace/cellular');
    // the walk's centre: the stationary log-normal's mean exp(mu + var/2), var = sigma^2 / (2 theta), is the mean rate
    const logMean = spec.reversion > 0 ? Math.log(spec.meanBps) - (spec.volatility * spec.volatility) / (4 * spec.reversion) : Math.log(spec.meanBps);
    let logRate = logMean;
    let outageLeftMs = 0;
    const dt = CELLULAR_STEP_MS / 1000;
    for (let ms = 0; ms < spec.durationMs; ms++) {
      if (ms % CELLULAR_STEP_MS === 0) {
        const u = Math.max(rng.next(), 1e-12);
        const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
        logRate += spec.reversion * (logMean - logRate) * dt + spec.volatility * Math.sqrt(dt) * z;
        logRate = Math.min(Math.log(spec.maxBps), Math.max(Math.log(spec.minBps), logRate));
        if (outageLeftMs <= 0 && rng.next() < spec.outageRate * dt) outageLeftMs = -spec.outageMs * Math.log(1 - rng.next());
      }
      if (outageLeftMs > 0) {
        outageLeftMs--;
        continue;
      }
      const n = poisson(rng, Math.exp(logRate) / 1000 / BITS_PER_OPPORTUNITY);
      for (let k = 0; k < n; k++) out.push(ms + 1);
    }
  } else {
    let credit = 0;
    for (let ms = 0; ms < spec.durationMs; ms++) {
      credit += rateAt(spec, ms) / 1000;
      while (credit >= BITS_PER_OPPORTUNITY) {
        out.push(ms + 1);
        credit -= BITS_PER_OPPORTUNITY;
      }
    }
  }
  if (out.length === 0 || out[out.length - 1] !== spec.durationMs) out.push(spec.durationMs);
  return out;
}

/** A trace as mahimahi's file format: one time per line. */
export function traceText(ms: readonly number[]): string {
  return `${ms.join('\n')}\n`;
}
