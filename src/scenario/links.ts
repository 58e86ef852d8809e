/**
 * Chains of links (scenario `links:`): the classic parking lot.
 *
 *   senders@0 -> [a] -> router 1 -> [b] -> router 2 -> [c] -> receivers@3
 *                          |  senders@1, receivers@1  |  ...
 *
 * The links form one chain in list order; a flow's `path` is a contiguous
 * run of it (default: every link), so it enters the chain before its first
 * link and leaves after its last. A path that skips a link or repeats one is
 * refused: routers forward along the chain only. Each link keeps every field
 * of `link:`; the end-host fields describe the hosts attached around it: its
 * `accessRate` is the access link of the senders whose path starts at it,
 * its `hostJitter` and `ackJitter` the timing noise of the receivers whose
 * path ends at it.
 */
import type { z } from 'zod';
import { formatTime } from './units.js';
import { resolveQueueOf, type ParsedLink } from './resolve.js';

/** A link's name: letters, digits, "-" and "_". */
export const LINK_NAME_RE = /^[A-Za-z0-9_-]+$/;

/** The links' names: as given, else l0, l1, ... by position. */
export function hopNames(links: readonly { name?: string | undefined }[]): string[] {
  return links.map((l, i) => l.name ?? `l${i}`);
}

/** A path's link indices (every link when not given), or why it is not a contiguous run of the chain. */
export function pathIndices(path: readonly string[] | undefined, names: readonly string[]): number[] | { message: string } {
  if (path === undefined) return names.map((_n, i) => i);
  const idx: number[] = [];
  for (const n of path) {
    const i = names.indexOf(n);
    if (i < 0) return { message: `unknown link "${n}"; links: ${names.join(', ')}` };
    if (idx.includes(i)) return { message: `link "${n}" appears twice; a path crosses each link once` };
    idx.push(i);
  }
  for (let k = 1; k < idx.length; k++) {
    if (idx[k] !== idx[k - 1]! + 1) {
      return { message: `[${path.join(', ')}] is not a contiguous run of the chain (${names.join(' -> ')}); a path follows the links in list order without skipping one` };
    }
  }
  return idx;
}

/** The parsed scenario fields a chain's checks read. */
interface ChainInput {
  links?: (ParsedLink & { name?: string | undefined })[] | undefined;
  flows: { path?: string[] | undefined; rtt?: number | undefined; mss: number }[];
}

/** The checks of a chain: names, paths, flows' RTTs, each link's qdisc. */
export function checkChain(s: ChainInput, ctx: z.RefinementCtx): void {
  const links = s.links!;
  const names = hopNames(links);
  names.forEach((n, i) => {
    const first = names.indexOf(n);
    if (first !== i) ctx.addIssue({ code: 'custom', path: ['links', i, 'name'], message: `"${n}" names links[${first}] already; names must be unique` });
  });
  links.forEach((l, i) => {
    if (l.trace?.reverse !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['links', i, 'trace', 'reverse'], message: 'a reverse trace works on the single link (link:) only; a chain\'s ACK direction is not rate-limited' });
    }
  });
  const own = links.map((l) => (l.delay ? l.delay.forward + l.delay.reverse : l.rtt));
  if (own.some((r) => r === undefined)) return; // the link's own error says so
  const paths = s.flows.map((f, i) => {
    const r = pathIndices(f.path, names);
    if (!Array.isArray(r)) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'path'], message: r.message });
      return null;
    }
    const base = r.reduce((a, k) => a + own[k]!, 0);
    if (f.rtt !== undefined && f.rtt < base) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'rtt'], message: `${formatTime(f.rtt)} is less than the base RTT of the flow's path ${formatTime(base)} (the sum of its links' rtt); a flow's rtt adds delay on its own path to its links'` });
    }
    return r;
  });
  if (paths.some((p) => p === null)) return;
  links.forEach((l, i) => {
    const crossing = s.flows.filter((_f, g) => paths[g]!.includes(i));
    const bdpRtt = crossing.length > 0 ? Math.max(...crossing.map((f) => Math.max(f.rtt ?? 0, paths[s.flows.indexOf(f)]!.reduce((a, k) => a + own[k]!, 0)))) : own.reduce((a, x) => a! + x!, 0)!;
    const q = resolveQueueOf(l, Math.max(...(crossing.length > 0 ? crossing : s.flows).map((f) => f.mss)), bdpRtt).qdisc;
    if ('message' in q) ctx.addIssue({ code: 'custom', path: ['links', i, 'qdisc', ...q.path], message: q.message });
  });
}
