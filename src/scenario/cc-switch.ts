/**
 * Switching a flow's congestion control with `--set`: the one rule that
 * `cclab run`, `cclab sweep` and `cclab predict` share (they all apply their
 * overrides through applySets in load.ts, which calls this).
 *
 * A flow carries parameters for its CC in a block named after it
 * (`brutal: {rate: 50mbit}`), and a block for any other CC is an error. So
 * `--set flows[0].cc=bbr` on a Brutal flow would always fail on the block
 * the scenario file wrote. The rule:
 *
 *   - when the overrides set `flows[i].cc`, every parameter block of that
 *     flow for another CC that came from the scenario file is dropped, and
 *     each drop is reported in one note (never silently);
 *   - a block the overrides write themselves is kept, so a contradiction the
 *     user typed (`--set flows[0].cc=bbr --set flows[0].brutal.rate=10mbit`)
 *     is still refused by the schema;
 *   - `--set path=null` removes the field (`--set flows[0].brutal=null`
 *     removes the block; the CC's defaults apply).
 *
 * Switching a flow's transport follows the same rule: `--set
 * flows[i].transport=tcp` drops the file's `quic:` block (QUIC's datagram
 * settings) from that flow, with a note.
 */
import YAML from 'yaml';
import { ccNames } from '../cc/index.js';
import { parsePath } from './path.js';

/** The written path of each override, as tokens (overrides that are not valid paths are skipped: setPath reports them). */
function overridePaths(sets: readonly string[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) continue;
    try {
      out.push(parsePath(s.slice(0, eq).trim()));
    } catch {
      /* reported by applySets */
    }
  }
  return out;
}

/** A parameter block as one short phrase: `{rate: 50mbit}`. */
function showBlock(v: unknown): string {
  return YAML.stringify(v, { collectionStyle: 'flow' }).trim();
}

/**
 * Apply the rule above to `doc` after `sets` were applied to it (mutates
 * `doc`); returns one note per dropped block, e.g.
 * `--set flows[0].cc=bbr: dropped flows[0].brutal {rate: 50mbit} (parameters for brutal; bbr does not take them)`.
 */
export function dropStaleCcBlocks(doc: Record<string, unknown>, sets: readonly string[]): string[] {
  const flows = doc.flows;
  if (!Array.isArray(flows)) return [];
  const paths = overridePaths(sets);
  const notes: string[] = [];
  const setOf = (field: string) => [...new Set(paths.flatMap((p) => (p.length === 3 && p[0] === 'flows' && typeof p[1] === 'number' && p[2] === field ? [p[1]] : [])))];
  const flowAt = (i: number): Record<string, unknown> | null => {
    const f = flows[i] as unknown;
    return f === null || typeof f !== 'object' || Array.isArray(f) ? null : (f as Record<string, unknown>);
  };
  // the override wrote the whole flow after setting its cc: nothing of the file's is left in it
  const written = (i: number, k: string) => paths.some((p) => p[0] === 'flows' && p[1] === i && (p.length === 2 || p[2] === k));
  for (const i of setOf('transport')) {
    const flow = flowAt(i);
    if (flow === null || flow.transport === 'quic' || flow.quic === undefined || written(i, 'quic')) continue;
    notes.push(`--set flows[${i}].transport=${String(flow.transport)}: dropped flows[${i}].quic ${showBlock(flow.quic)} (QUIC's settings; a TCP flow does not take them)`);
    delete flow.quic;
  }
  for (const i of setOf('cc')) {
    const flow = flowAt(i);
    if (flow === null || typeof flow.cc !== 'string') continue;
    for (const k of ccNames()) {
      if (k === flow.cc || flow[k] === undefined || written(i, k)) continue;
      notes.push(`--set flows[${i}].cc=${flow.cc}: dropped flows[${i}].${k} ${showBlock(flow[k])} (parameters for ${k}; ${flow.cc} does not take them)`);
      delete flow[k];
    }
  }
  return notes;
}
