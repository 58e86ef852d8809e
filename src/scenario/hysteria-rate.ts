/**
 * Rates as Hysteria's config writes them (`bandwidth: {up: 100 mbps, down: 1 gbps}`),
 * next to tc's and iperf3's.
 *
 * Hysteria 2 reads a bandwidth string with StringToBps
 * (apernet/hysteria app/internal/utils/bpsconv.go): lower-cased and trimmed,
 * a whole number, optional spaces, then one of
 *   b, bps                1 bit/s
 *   k, kb, kbps           1024 bit/s
 *   m, mb, mbps           1024^2 bit/s
 *   g, gb, gbps           1024^3 bit/s
 *   t, tb, tbps           1024^4 bit/s
 * and keeps whole bytes per second (bits / 8, integer division). So in Hysteria "100 mbps" is
 * 104.8576 Mbit/s and "mbps" means megaBITS, where tc's "mbps" means
 * megaBYTES per second. A string in Hysteria's grammar is read as Hysteria
 * reads it, including the bare k/m/g/t that iperf3 reads 1000-based (a
 * decimal such as "1.5 gbps", which Hysteria refuses, is read with the same
 * units); anything else (50mbit, 1gbit, 500kbit, 6250kibit) is read with tc's
 * units (parseRate). Used where a
 * user gives a rate they would put in Hysteria's config: `cclab advise`'s
 * --propose and --rates.
 */
import { parseRate, UnitError } from './units.js';

/** Hysteria's units, bits per second per unit (1024-based, as bpsconv.go). */
export const HYSTERIA_RATE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  bps: 1,
  k: 1024,
  kb: 1024,
  kbps: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mbps: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gbps: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tbps: 1024 ** 4,
};

const HYSTERIA_FORM = /^([0-9]*\.?[0-9]+)\s*([a-z]+)$/;

/** Whether `input` is written in Hysteria's bandwidth grammar (a number and one of its units). */
export function isHysteriaRate(input: string): boolean {
  const m = HYSTERIA_FORM.exec(input.trim().toLowerCase());
  return m !== null && HYSTERIA_RATE_UNITS[m[2]!] !== undefined;
}

/**
 * Parse a rate the way Hysteria's config does ("100 mbps", "1 gbps", "50 Mbps",
 * "100mbps", "1g": 1024-based bits per second), else as tc/iperf3 write it
 * ("50mbit", "1gbit", "500kbit"). Returns bits per second.
 */
export function parseBandwidth(input: string | number): number {
  if (typeof input === 'string') {
    const m = HYSTERIA_FORM.exec(input.trim().toLowerCase());
    const unit = m ? HYSTERIA_RATE_UNITS[m[2]!] : undefined;
    if (m && unit !== undefined) {
      // Hysteria keeps whole bytes per second: v * unit / 8 in uint64
      const bps = Math.floor((Number(m[1]) * unit) / 8) * 8;
      if (!Number.isFinite(bps)) throw new UnitError(`rate "${input}" is not a finite number`);
      return parseRate(`${bps}bit`);
    }
  }
  try {
    return parseRate(input);
  } catch (e) {
    if (!(e instanceof UnitError) || !/unknown rate unit|cannot read/.test(e.message)) throw e;
    throw new UnitError(
      `cannot read "${input}" as a rate; write it as Hysteria's config does (100 mbps, 1 gbps: 1024-based bits/s) or as tc does (50mbit, 1gbit, 500kbit)`,
    );
  }
}
