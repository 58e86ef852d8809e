/**
 * Reading the trace files a scenario names (link.trace): a relative path is
 * taken from the scenario file's folder (or the working directory for a
 * scenario built in code or a --set value), as mahimahi's users keep traces
 * next to their experiments. Traces are cached by path, size and mtime, so a
 * sweep of many points reads each once.
 *
 * A file whose name ends in .gz is gzip-compressed (as `cclab trace -o
 * x.trace.gz` writes it): it is decompressed here, to at most
 * MAX_TRACE_BYTES, and its identity (sha256) is that of its decompressed
 * text, so compressing a trace changes neither its scenarios' hashes nor
 * their results.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MAX_TRACE_BYTES, parseTrace, TraceError, type Trace } from '../network/trace.js';

let baseDir: string | null = null;

/** Run `fn` with relative trace paths taken from `dir` (the scenario file's folder). */
export function withTraceBase<T>(dir: string | null, fn: () => T): T {
  const prev = baseDir;
  baseDir = dir;
  try {
    return fn();
  } finally {
    baseDir = prev;
  }
}

/** The absolute path a scenario's trace path names. */
export function tracePath(p: string): string {
  return isAbsolute(p) ? p : baseDir !== null ? join(baseDir, p) : resolve(p);
}

const cache = new Map<string, { size: number; mtimeMs: number; trace: Trace }>();

/** Read and parse a trace file (absolute path); TraceError with one line on a problem. */
export function readTrace(file: string): Trace {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new TraceError(`${file}: cannot read the trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new TraceError(`${file}: not a file`);
  if (st.size > MAX_TRACE_BYTES) throw new TraceError(`${file}: ${st.size} bytes; a trace may have at most ${MAX_TRACE_BYTES} bytes`);
  const hit = cache.get(file);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.trace;
  const trace = parseTrace(traceText(file), file);
  cache.set(file, { size: st.size, mtimeMs: st.mtimeMs, trace });
  return trace;
}

/** Is this the name of a gzip-compressed trace? */
export function isGzipTrace(file: string): boolean {
  return /\.gz$/i.test(file);
}

/** A trace file's text: decompressed when it is gzip (bounded by MAX_TRACE_BYTES). */
function traceText(file: string): string {
  const raw = readFileSync(file);
  if (!isGzipTrace(file)) return raw.toString('utf8');
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_TRACE_BYTES }).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new TraceError(`${file}: decompresses to more than ${MAX_TRACE_BYTES} bytes; a trace may have at most ${MAX_TRACE_BYTES} bytes`);
    throw new TraceError(`${file}: not a gzip file (${(e as Error).message}); a .gz trace must be gzip-compressed text in mahimahi format`);
  }
}

/** The trace a resolved scenario names, checked against the content it was resolved with. */
export function readResolvedTrace(t: { file: string; sha256: string }): Trace {
  const trace = readTrace(t.file);
  if (trace.sha256 !== t.sha256) throw new TraceError(`${t.file}: the trace changed since the scenario was resolved (sha256 ${trace.sha256.slice(0, 12)}, was ${t.sha256.slice(0, 12)})`);
  return trace;
}
