/**
 * Checks that a kernel run measured what the scenario asked for:
 *   - every flow's socket ran the requested congestion control once
 *     established, as both cclab_sampler (INET_DIAG_CONG) and `ss -tin`
 *     report it;
 *   - a Brutal flow's parameters were applied (shim log) and its
 *     pacing_rate matches the set rate: Brutal paces at rate x 100/ack_rate,
 *     between the rate and 1.25x it, so the median over the flow's samples
 *     (after its first second) must fall within BRUTAL_PACING_TOLERANCE of
 *     that band.
 * A failed check is an error: a run with the wrong CC is not a measurement.
 */
import type { ResolvedScenario } from '../scenario/resolve.js';
import type { FlowConnLog, FlowServerConnLog } from './parse/flow.js';
import { CLIENT_PORT_BASE, linuxCcName, workloadPortRanges } from './plan.js';
import { ccSpec } from '../cc/index.js';
import { flowPorts, type ParsedRun } from './convert.js';

/** Slack around Brutal's [rate, 1.25 x rate] pacing band. */
export const BRUTAL_PACING_TOLERANCE = 0.05;
/** Brutal's largest loss compensation: 100 / ack_rate with ack_rate >= 80. */
const BRUTAL_MAX_COMPENSATION = 1.25;
/** Samples from a flow's first second are skipped: the first ACKs still carry init's pacing rate. */
const BRUTAL_SETTLE_S = 1;
/** tcp_info's state number for ESTABLISHED. */
const TCP_ESTABLISHED = 1;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * A flow that cclab_flow ran: every connection set its CC and connected
 * (else its log says why: err=), and a finished byte-limited connection's
 * server read exactly its bytes.
 */
function verifyGenFlow(id: number, conns: readonly FlowConnLog[], servers: readonly FlowServerConnLog[]): string[] {
  const problems: string[] = [];
  if (conns.length === 0) return [`flow ${id}: cclab_flow logged no connection (see raw/flow-${id}.err)`];
  const bad = conns.filter((c) => c.err !== undefined && /^(socket|TCP_CONGESTION|TCP_MAXSEG|bind|connect|write|read):/.test(c.err));
  if (bad.length > 0) problems.push(`flow ${id}: ${bad.length} connection(s) failed, e.g. port ${bad[0]!.lport}: ${bad[0]!.err} (see raw/flow-${id}.log)`);
  const byPeer = new Map(servers.map((x) => [x.peer, x]));
  for (const c of conns) {
    if (c.bytes === 0 || c.doneS === null) continue;
    const got = byPeer.get(c.lport)?.bytes;
    if (got !== c.bytes) {
      problems.push(`flow ${id}: connection from port ${c.lport} was to deliver ${c.bytes} bytes, its receiver read ${got ?? 'none'} (see raw/flow-server-${id}.log)`);
      break;
    }
  }
  return problems;
}

/** Problems found, one line each (empty when all is well). */
export function verifyRun(s: ResolvedScenario, p: ParsedRun): string[] {
  const problems: string[] = [];
  const ranges = workloadPortRanges(s);
  s.flows.forEach((f, i) => {
    const conns = p.flowConns[i];
    if (conns) problems.push(...verifyGenFlow(f.id, conns, p.flowServers[i] ?? []));
  });
  for (const f of s.flows) {
    const range = flowPorts(f, ranges);
    const samples = p.tcp.filter((x) => x.lport >= range.lo && x.lport <= range.hi);
    const ssSockets = p.ss.filter((x) => x.localPort >= range.lo && x.localPort <= range.hi);
    // a short connection may end between two samples: cclab_flow set its CC before connect() (or logged why not)
    if (samples.length === 0 && ssSockets.length === 0 && p.flowConns[f.id]) continue;
    if (samples.length === 0 && ssSockets.length === 0) {
      problems.push(`flow ${f.id}: no socket samples (iperf3 client did not run? see raw/client-${f.id}.err)`);
      continue;
    }
    // Only established sockets count: iperf3 sets TCP_CONGESTION after its connect() has
    // sent the SYN, so a SYN_SENT sample still shows the default (cubic).
    const established = samples.filter((x) => x.state === TCP_ESTABLISHED);
    const seen = new Set([...established.map((x) => x.cc), ...ssSockets.filter((x) => x.state === 'ESTAB').map((x) => x.cc ?? '?')]);
    seen.delete('?');
    const linuxName = linuxCcName(f.cc);
    if (seen.size !== 1 || !seen.has(linuxName)) {
      problems.push(`flow ${f.id}: socket ran ${[...seen].join(', ') || 'an unknown congestion control'}, not ${linuxName === f.cc ? f.cc : `${linuxName} (${f.cc})`} as asked`);
    }
    // a CC that needs a module version (bbr3): ss's bbr:(...,version:N) must say so
    const want = ccSpec(f.cc)?.kernel?.moduleVersion;
    if (want !== undefined) {
      const versions = ssSockets.filter((x) => x.state === 'ESTAB').map((x) => ccInfoVersion(x.fields[linuxName]));
      const wrong = versions.find((v) => v !== null && v !== want);
      if (wrong !== undefined) problems.push(`flow ${f.id}: ss reports ${linuxName} version ${wrong}, not ${want}: the target's kernel has no BBRv${want} (${f.cc})`);
    }
    if (f.brutal) {
      const applied = p.shim[f.id]?.brutal.filter((b) => b.lport >= range.lo && b.lport <= range.hi) ?? [];
      if (applied.length === 0) problems.push(`flow ${f.id}: the shim did not apply TCP_BRUTAL_PARAMS (is LD_PRELOAD working? see raw/shim-${f.id}.log)`);
      else if (applied.some((b) => b.rc !== 0)) problems.push(`flow ${f.id}: setsockopt(TCP_BRUTAL_PARAMS) failed: ${applied.find((b) => b.rc !== 0)!.message}`);
      const start = p.timeline.start.get(f.id) ?? -Infinity;
      const settled = samples.filter((x) => x.state === TCP_ESTABLISHED && x.t >= start + BRUTAL_SETTLE_S && x.pacingRate > 0);
      const rate = f.brutal.rateBytesPerSec;
      const m = median(settled.map((x) => x.pacingRate));
      const lo = rate * (1 - BRUTAL_PACING_TOLERANCE);
      const hi = rate * BRUTAL_MAX_COMPENSATION * (1 + BRUTAL_PACING_TOLERANCE);
      if (settled.length === 0) {
        // a short cclab_flow connection may not last a second: nothing to check
        if (p.flowConns[f.id]) continue;
        problems.push(`flow ${f.id}: no ss sample of the established socket ${BRUTAL_SETTLE_S} s after its start, so brutal's pacing rate could not be checked (run it longer)`);
      } else if (!(m >= lo && m <= hi)) {
        problems.push(`flow ${f.id}: brutal pacing_rate ${Math.round(m)} B/s does not match the set rate ${rate} B/s (expected ${Math.round(lo)}..${Math.round(hi)})`);
      }
    }
  }
  // a trace link: the rate changes ran (kernel/trace.ts) and tc took every one
  if (p.trace !== null) {
    if (!Number.isFinite(p.trace.t0)) problems.push('link.trace: cclab_pacer did not run (no raw/trace-pacer.txt); the link kept its first rate');
    else if (p.trace.tcErrors !== '') problems.push(`link.trace: tc refused a rate change: ${p.trace.tcErrors.split('\n')[0]}`);
  }
  // a reverse trace's and a chain's trace links' shapers, the same way
  for (const o of p.otherTraces) {
    if (!Number.isFinite(o.log.t0)) problems.push(`${o.field}: cclab_pacer did not run (no raw/trace-pacer${o.suffix}.txt); the link kept its first rate`);
    else if (o.log.tcErrors !== '') problems.push(`${o.field}: tc refused a rate change: ${o.log.tcErrors.split('\n')[0]}`);
  }
  return problems;
}

/**
 * The version field of a CC's ss info group (`bbr:(bw:..,mrtt:..,version:3,..)`,
 * INET_DIAG_BBRINFO's bbr_version as a v3-aware iproute2 prints it), or null
 * when ss does not print one (an iproute2 that knows only v1's fields: the
 * plan's /sys/module/tcp_bbr/version check then stands alone).
 */
export function ccInfoVersion(group: string | undefined): string | null {
  if (group === undefined) return null;
  const m = /(?:^|[(,])version:(\d+)/.exec(group);
  return m ? m[1]! : null;
}
