/**
 * Empirical flow-size distributions (a workload's `size: {cdf: file}`), as
 * the data-centre workload studies publish them (DCTCP's web search, VL2's
 * data mining) and as ns-3 and pFabric-style generators read them: one point
 * of the cumulative distribution per line,
 *
 *     # size   cumulative fraction
 *     8760     0.15
 *     19kb     0.2
 *     ...
 *     29200000 1
 *
 * A size is in bytes or written with a size unit (`64kb`); a fraction is a
 * number from 0 to 1 or a percentage (`15%`). Sizes and fractions never
 * decrease and the last fraction is 1; between points the CDF is linear
 * (src/traffic/dist.ts, cdfInverse), and a first fraction above 0 is a point
 * mass at the first size. Blank lines and `#` comments are skipped; fields
 * are separated by spaces, tabs or a comma.
 *
 * pFabric's and HOMA's files (`size 1 cdf`, sizes in 1460-byte packets)
 * convert with `awk '{print $1 * 1460, $3}'`. A relative path is taken from
 * the scenario file's folder, as trace files are (trace-file.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseSize, UnitError } from './units.js';

/** Largest CDF file: 1 MB. */
export const MAX_CDF_FILE_BYTES = 1 << 20;
/** Most points in a CDF (the resolved scenario carries them). */
export const MAX_CDF_POINTS = 10_000;

export class CdfError extends Error {}

export interface CdfFile {
  /** (size in bytes, cumulative fraction), non-decreasing, ending at fraction 1. */
  points: [number, number][];
  /** sha256 of the file's bytes. */
  sha256: string;
}

function fraction(field: string): number {
  if (field.endsWith('%')) {
    const v = Number(field.slice(0, -1));
    return Number.isFinite(v) && field.length > 1 ? v / 100 : Number.NaN;
  }
  return field.trim() === '' ? Number.NaN : Number(field);
}

/** Parse a CDF file's text; `what` names it in errors (`file:line: ...`). */
export function parseCdf(text: string, what: string): [number, number][] {
  const points: [number, number][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (line === '') continue;
    const at = `${what}:${i + 1}`;
    const fields = line.split(/[\s,]+/);
    if (fields.length !== 2) throw new CdfError(`${at}: "${line.slice(0, 40)}" is not "size fraction" (two fields, e.g. "64kb 0.5")`);
    let size: number;
    try {
      size = parseSize(fields[0]!);
    } catch (e) {
      throw new CdfError(`${at}: ${e instanceof UnitError ? e.message : String(e)}`);
    }
    if (size < 1) throw new CdfError(`${at}: size ${fields[0]} is less than 1 byte`);
    const p = fraction(fields[1]!);
    if (!(p >= 0 && p <= 1)) throw new CdfError(`${at}: "${fields[1]}" is not a cumulative fraction from 0 to 1 (or 0% to 100%)`);
    const prev = points[points.length - 1];
    if (prev && size < prev[0]) throw new CdfError(`${at}: size ${fields[0]} is below the line above's (${prev[0]} bytes); sizes must not decrease`);
    if (prev && p < prev[1]) throw new CdfError(`${at}: fraction ${fields[1]} is below the line above's (${prev[1]}); a CDF must not decrease`);
    if (prev && prev[1] === 1) throw new CdfError(`${at}: a point after the fraction has reached 1`);
    if (points.length === MAX_CDF_POINTS) throw new CdfError(`${at}: more than ${MAX_CDF_POINTS} points`);
    points.push([size, p]);
  }
  if (points.length === 0) throw new CdfError(`${what}: no points (one "size fraction" per line, e.g. "64kb 0.5")`);
  const last = points[points.length - 1]!;
  if (last[1] !== 1) throw new CdfError(`${what}: the last fraction is ${last[1]}; a CDF ends at 1 (the largest size)`);
  return points;
}

const cache = new Map<string, { size: number; mtimeMs: number; cdf: CdfFile }>();

/** Read and parse a CDF file (absolute path); CdfError with one line on a problem. */
export function readCdf(file: string): CdfFile {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new CdfError(`${file}: cannot read the CDF file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new CdfError(`${file}: not a file`);
  if (st.size > MAX_CDF_FILE_BYTES) throw new CdfError(`${file}: ${st.size} bytes; a CDF file may have at most ${MAX_CDF_FILE_BYTES} bytes`);
  const hit = cache.get(file);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.cdf;
  const bytes = readFileSync(file);
  const cdf = { points: parseCdf(bytes.toString('utf8'), file), sha256: createHash('sha256').update(bytes).digest('hex') };
  cache.set(file, { size: st.size, mtimeMs: st.mtimeMs, cdf });
  return cdf;
}
