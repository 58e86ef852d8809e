/**
 * Units as tc(8) and iperf3 write them.
 *
 * Every parser takes a user string (or number) and returns a plain number in a
 * base unit, or throws a UnitError whose message says what is allowed. The
 * base units are:
 *   rate     bits per second      "50mbit", "1gbit", "500kbit", "6250kbps" (bytes!), "50M"
 *   time     nanoseconds          "25ms", "1.5s", "200us", "100ns"
 *   size     bytes                "64kb" (= 65536, as tc), "1mb", "1500b", "1500", "8kbit"
 *   fraction 0..1                "1%", "0.1%", 0
 *   queue    packets, bytes or BDP multiples: 100 / "100p" / "64kb" / "1bdp"
 *
 * Time is kept in integer nanoseconds everywhere in cclab (see docs/architecture.md).
 */

export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

const NUM = String.raw`([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)`;

/**
 * Upper bounds of every unit kind: beyond them a value is a typo or an
 * attack, not an experiment (and would overflow 64-bit kernel fields or spin
 * the simulator for ever).
 */
/** Fastest rate: 10 tbit/s (Brutal's rate is a u64 of bytes/s in the kernel; tc's rates stop near here too). */
export const MAX_RATE_BPS = 10e12;
/** Longest time: one day, iperf3's longest test (`-t 86400`). */
export const MAX_TIME_NS = 86_400e9;
/** Largest size: 1 TiB. */
export const MAX_SIZE_BYTES = 1024 ** 4;
/** Longest queue in packets: tc's limits are 32-bit. */
export const MAX_QUEUE_PACKETS = 2 ** 32 - 1;
/** Largest queue in bandwidth-delay products. */
export const MAX_QUEUE_BDP = 1000;

function splitNumberUnit(input: string | number, what: string): [number, string] {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new UnitError(`${what} must be a finite number`);
    return [input, ''];
  }
  if (typeof input !== 'string') throw new UnitError(`expected a ${what} such as ${EXAMPLES[what] ?? ''}`.trim());
  const m = new RegExp(`^\\s*(-?)${NUM}\\s*([a-zA-Z%]*)\\s*$`).exec(input);
  if (!m) throw new UnitError(`cannot read "${input}" as a ${what}; write e.g. ${EXAMPLES[what] ?? ''}`.trim());
  const value = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  if (!Number.isFinite(value)) throw new UnitError(`${what} "${input}" is not a finite number`);
  return [value, m[3]!];
}

const EXAMPLES: Record<string, string> = {
  rate: '50mbit, 1gbit, 500kbit',
  time: '25ms, 1.5s, 200us',
  size: '64kb, 1mb, 1500b',
  percentage: '1%, 0.1%',
  queue: '100 (packets), 64kb (bytes), 1bdp',
};

/** Multipliers to bits per second. tc: bit/kbit/mbit/gbit/tbit, bps/kbps/.. are BYTES per second; iperf3: K/M/G bits. */
const RATE_UNITS: Record<string, number> = {
  '': 1,
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  tbit: 1e12,
  kibit: 1024,
  mibit: 1024 ** 2,
  gibit: 1024 ** 3,
  tibit: 1024 ** 4,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
  tbps: 8e12,
  kibps: 8 * 1024,
  mibps: 8 * 1024 ** 2,
  gibps: 8 * 1024 ** 3,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
};

/**
 * Parse a rate; returns bits per second. A bare number other than 0 is
 * refused as ambiguous (tc reads it as bits/s, people mean Mbit/s), like a
 * bare loss.
 */
export function parseRate(input: string | number): number {
  const [v, unitRaw] = splitNumberUnit(input, 'rate');
  const unit = unitRaw.toLowerCase();
  if (unit === '' && v !== 0) {
    throw new UnitError(`"${input}" is ambiguous; write a rate with its unit such as ${input}mbit or ${input}kbit`);
  }
  const mult = RATE_UNITS[unit];
  if (mult === undefined) {
    throw new UnitError(`unknown rate unit "${unitRaw}" in "${input}"; allowed: bit, kbit, mbit, gbit, tbit (bits/s), bps, kbps, mbps, gbps (bytes/s), K, M, G (bits/s, as iperf3)`);
  }
  if (v < 0) throw new UnitError(`rate must not be negative (got "${input}")`);
  const bps = v * mult;
  if (bps > MAX_RATE_BPS) throw new UnitError(`rate must be at most 10tbit (got "${input}")`);
  return bps;
}

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  nsec: 1,
  us: 1e3,
  usec: 1e3,
  usecs: 1e3,
  ms: 1e6,
  msec: 1e6,
  msecs: 1e6,
  s: 1e9,
  sec: 1e9,
  secs: 1e9,
  m: 60e9,
  min: 60e9,
};

/** Parse a time; returns integer nanoseconds. A bare number is only allowed for 0. */
export function parseTime(input: string | number): number {
  const [v, unitRaw] = splitNumberUnit(input, 'time');
  const unit = unitRaw.toLowerCase();
  if (unit === '' && v !== 0) {
    throw new UnitError(`time "${input}" needs a unit: ns, us, ms, s`);
  }
  const mult = unit === '' ? 1 : TIME_UNITS[unit];
  if (mult === undefined) throw new UnitError(`unknown time unit "${unitRaw}" in "${input}"; allowed: ns, us, ms, s, min`);
  if (v < 0) throw new UnitError(`time must not be negative (got "${input}")`);
  const ns = Math.round(v * mult);
  if (ns > MAX_TIME_NS) throw new UnitError(`time must be at most 86400s, one day (got "${input}")`);
  return ns;
}

/** tc sizes: b, k/kb (1024), m/mb, g/gb; kbit/mbit/gbit in bits. Bare number = bytes. */
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  kbit: 1024 / 8,
  mbit: 1024 ** 2 / 8,
  gbit: 1024 ** 3 / 8,
};

/** Parse a size; returns bytes (rounded to an integer). */
export function parseSize(input: string | number): number {
  const [v, unitRaw] = splitNumberUnit(input, 'size');
  const unit = unitRaw.toLowerCase();
  const mult = SIZE_UNITS[unit];
  if (mult === undefined) throw new UnitError(`unknown size unit "${unitRaw}" in "${input}"; allowed: b, kb, mb, gb (1024-based, as tc), kbit, mbit`);
  if (v < 0) throw new UnitError(`size must not be negative (got "${input}")`);
  const bytes = Math.round(v * mult);
  if (bytes > MAX_SIZE_BYTES) throw new UnitError(`size must be at most 1024gb (got "${input}")`);
  return bytes;
}

/** Parse a percentage ("1%") into a fraction. Bare numbers other than 0 are refused as ambiguous. */
export function parsePercent(input: string | number): number {
  const [v, unit] = splitNumberUnit(input, 'percentage');
  if (unit === '' && v !== 0) {
    throw new UnitError(`"${input}" is ambiguous; write a percentage such as 1% or 0.1%`);
  }
  if (unit !== '' && unit !== '%') throw new UnitError(`unknown unit "${unit}" in "${input}"; write a percentage such as 1%`);
  if (v < 0 || v > 100) throw new UnitError(`percentage must be between 0% and 100% (got "${input}")`);
  return v / 100;
}

export type QueueSpec = { kind: 'packets'; value: number } | { kind: 'bytes'; value: number } | { kind: 'bdp'; value: number };

/** Parse a queue size: 100 or "100p"/"100pkt" (packets), "64kb" (bytes), "1bdp" (multiples of rate x RTT). */
export function parseQueue(input: string | number): QueueSpec {
  const [v, unitRaw] = splitNumberUnit(input, 'queue');
  const unit = unitRaw.toLowerCase();
  if (v < 0) throw new UnitError(`queue must not be negative (got "${input}")`);
  if (unit === '' || unit === 'p' || unit === 'pkt' || unit === 'pkts' || unit === 'packets') {
    if (!Number.isInteger(v)) throw new UnitError(`queue of "${input}" packets must be a whole number`);
    if (v > MAX_QUEUE_PACKETS) throw new UnitError(`queue must be at most ${MAX_QUEUE_PACKETS} packets, tc's limit (got "${input}")`);
    return { kind: 'packets', value: v };
  }
  if (unit === 'bdp') {
    if (v > MAX_QUEUE_BDP) throw new UnitError(`queue must be at most ${MAX_QUEUE_BDP}bdp (got "${input}")`);
    return { kind: 'bdp', value: v };
  }
  const mult = SIZE_UNITS[unit];
  if (mult === undefined) throw new UnitError(`unknown queue unit "${unitRaw}" in "${input}"; allowed: packets (100 or 100p), bytes (64kb, 1mb), BDP multiples (1bdp)`);
  const bytes = Math.round(v * mult);
  if (bytes > MAX_SIZE_BYTES) throw new UnitError(`queue must be at most 1024gb (got "${input}")`);
  return { kind: 'bytes', value: bytes };
}

/** Format bits per second the way tc prints rates. */
export function formatRate(bps: number): string {
  if (bps >= 1e9 && bps % 1e9 === 0) return `${bps / 1e9}gbit`;
  if (bps >= 1e6 && bps % 1e3 === 0) return `${+(bps / 1e6).toFixed(6)}mbit`;
  if (bps >= 1e3) return `${+(bps / 1e3).toFixed(6)}kbit`;
  return `${bps}bit`;
}

/** Format nanoseconds as tc prints times. */
export function formatTime(ns: number): string {
  if (ns === 0) return '0ms';
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  if (ns % 1e3 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

/** Format a fraction as a percentage. */
export function formatPercent(f: number): string {
  return `${+(f * 100).toPrecision(10)}%`;
}
