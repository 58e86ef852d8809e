/**
 * Scenario -> kernel plan: what varies between kernel runs, as a short POSIX
 * shell script of variables and one `start_client` line per flow, ending
 * with `plan_main "$@"`. Its fixed part, the network of namespaces, netem,
 * iperf3, the samplers and the cleanup, is kernel/plan-lib.sh, which
 * documents both; a target runs `executablePlan(plan)`, the library followed
 * by the plan, as root with the output directory as its argument. A run
 * keeps only the plan (raw/plan.sh), whose header names the library's hash.
 *
 * The receive buffer may grow to twice the scenario's receive window
 * (`flows[].rwnd`, default 3 MB): Linux advertises half of it
 * (tcp_adv_win_scale 1), so the largest window is the simulator's. The send
 * buffer may grow to 32 MB so that it never limits a flow.
 */
import { hasReverseFlows, type ResolvedFlow, type ResolvedLink, type ResolvedProbe, type ResolvedScenario } from '../scenario/resolve.js';
import { meanLossRate } from '../scenario/schema.js';
import { qdiscEntry } from '../network/qdisc/registry.js';
import { DATA_OVERHEAD_BYTES } from '../network/wire.js';
import { ackNetemArgs, aqmNetemArgs, dataNetemArgs, delayNetemArgs, MAX_ACK_BANDS, reverseNetemArgs, tcMicros, tcPercent } from './netem.js';
import { FLOW, PACER, SAMPLER, SHIM } from './helpers.js';
import { traceSchedule, TRACE_KICK_BELOW_BPS, TRACE_WINDOW_MS, type RateChange } from './trace.js';
import { readResolvedTrace } from '../scenario/trace-file.js';
import { traceMeanBps } from '../network/trace.js';
import { ccParamsOf, ccSpec } from '../cc/index.js';
import { arrivalSchedule, onPeriods } from '../traffic/schedule.js';
import { KERNEL_ASSETS_DIR } from './paths.js';
import { InputError } from '../scenario/errors.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RECEIVER_ADDR = '10.201.2.1';
/** The sending host's address: where a reverse flow's client connects (its server runs there). */
export const SENDER_ADDR = '10.201.1.1';
export const SERVER_PORT_BASE = 5201;
export const CLIENT_PORT_BASE = 40000;
/** Largest send buffer a flow may grow to (bytes). */
export const SOCKET_BUFFER_MAX_BYTES = 32 * 1024 * 1024;
/** Linux advertises 1/2 of its receive buffer as window (tcp_adv_win_scale = 1). */
const RCVBUF_PER_WINDOW_BYTE = 2;

/** tcp_rmem's maximum that caps the advertised window at the largest flow's rwnd. */
export function receiveBufferMax(s: ResolvedScenario): number {
  return RCVBUF_PER_WINDOW_BYTE * Math.max(...s.flows.map((f) => f.rwndBytes));
}
/** How often the costly ss/tc snapshots run, at most (seconds). */
export const SNAPSHOT_INTERVAL_S = 1;
/** Time for setup and teardown on top of the scenario's duration (seconds). */
export const PLAN_OVERHEAD_S = 30;
/**
 * Random loss from which a run gets HEAVY_LOSS_EXTRA_S more: iperf3's control
 * and data connections are set up, and its results exchanged, over the lossy
 * link, and each lost SYN or control segment waits out a doubling timeout
 * (1, 2, 4, ... s). At 50% loss a kernel-bbr-cliff run's client had not
 * connected after 62 s, the deadline before.
 */
const HEAVY_LOSS = 0.2;
const HEAVY_LOSS_EXTRA_S = 120;
const DEFAULT_MSS = 1448;
const MTU_OVERHEAD_BYTES = 52;

export const EXIT_FAILED = 3;
export const EXIT_CC_MISSING = 4;
export const EXIT_TARGET_UNFIT = 5;

export interface PlanOptions {
  /** Short unique id (letters and digits) naming the namespaces: cclab-<id>-snd etc. */
  runId: string;
  /** How to load a missing congestion-control module on this target (part of the error line). */
  moduleHint: string;
  /** Paths of the helpers on the target (defaults: the VM image's). */
  shimPath?: string;
  samplerPath?: string;
  flowPath?: string;
  pacerPath?: string;
  /** The plan aborts itself after this many seconds (default: duration + PLAN_OVERHEAD_S). */
  timeoutS?: number;
}

/**
 * Does cclab_flow (kernel/flow/cclab_flow.c) run this flow? Byte-limited
 * flows, flows with an application model and workloads do; bulk flows stay
 * iperf3 exactly as before, so their plans and results do not change.
 */
export function usesGenerator(f: ResolvedFlow): boolean {
  return f.bytes !== null || f.app !== undefined || f.arrivals !== undefined;
}

/**
 * cclab_flow starts this long before its flow's first connection and waits
 * for it itself (to the ns), so that the ~50 ms a TCG guest takes to start
 * a program does not delay the SYN.
 */
export const GEN_LAUNCH_LEAD_NS = 1e9;

/** The first client port of the workloads' ranges (0xB000), above every flow's own 40000+i. */
export const WORKLOAD_PORT_BASE = 45056;
/** The last port a workload may use. */
export const WORKLOAD_PORT_MAX = 65535;

/** One connection of a cclab_flow flow, as its schedule line says (times in ns from t0). */
export interface GenConnection {
  lport: number;
  startNs: number;
  stopNs: number;
  /** Bytes to send; 0: until stop. */
  bytes: number;
  /** Paced at this rate (bit/s); 0: as fast as TCP takes them. */
  rateBps: number;
  /** On periods [start, end) in ns from t0; empty: on from start to stop. */
  on: [number, number][];
}

/**
 * The client ports of the workload flows: each a power of two of ports,
 * aligned (one u32 match and one routing rule cover it), enough for its
 * connections, from WORKLOAD_PORT_BASE up.
 */
export function workloadPortRanges(s: ResolvedScenario): Map<number, { lo: number; hi: number }> {
  const out = new Map<number, { lo: number; hi: number }>();
  let next = WORKLOAD_PORT_BASE;
  for (const f of s.flows) {
    if (f.arrivals === undefined) continue;
    const n = Math.max(1, arrivalSchedule(f.arrivals, s.seed, f.id, f.startNs, f.stopNs).length);
    const size = 2 ** Math.ceil(Math.log2(n));
    const lo = Math.ceil(next / size) * size;
    if (lo + size - 1 > WORKLOAD_PORT_MAX) {
      throw new InputError(`flows[${f.group}].arrivals: its ${n} connections do not fit the kernel harness's client ports (${WORKLOAD_PORT_BASE}-${WORKLOAD_PORT_MAX}, each connection its own port, each workload a power of two of them); lower arrivals.rate or shorten the flow for --backend kernel`);
    }
    out.set(f.id, { lo, hi: lo + size - 1 });
    next = lo + size;
  }
  return out;
}

/** The connections cclab_flow makes for a flow (usesGenerator): one, or a workload's. */
export function genConnections(s: ResolvedScenario, f: ResolvedFlow, ports: Map<number, { lo: number; hi: number }>): GenConnection[] {
  if (f.arrivals !== undefined) {
    const lo = ports.get(f.id)!.lo;
    return arrivalSchedule(f.arrivals, s.seed, f.id, f.startNs, f.stopNs).map((a, k) => ({ lport: lo + k, startNs: a.startNs, stopNs: f.stopNs, bytes: a.bytes, rateBps: 0, on: [] }));
  }
  const onOff = f.app?.on !== undefined && f.app.off !== undefined;
  return [
    {
      lport: CLIENT_PORT_BASE + f.id,
      startNs: f.startNs,
      stopNs: f.stopNs,
      bytes: f.bytes ?? 0,
      rateBps: f.app?.rateBps ?? 0,
      on: onOff ? onPeriods(f.app, s.seed, f.id, f.startNs, f.stopNs) : [],
    },
  ];
}

/** A cclab_flow schedule (the file format is kernel/flow/cclab_flow.c's). */
export function flowSchedule(f: ResolvedFlow, conns: readonly GenConnection[], maxMss: number): string {
  const L = [`dst ${f.direction === 'reverse' ? SENDER_ADDR : RECEIVER_ADDR} ${SERVER_PORT_BASE + f.id}`, `cc ${linuxCcName(f.cc)}`];
  if (f.mss !== maxMss) L.push(`maxseg ${f.mss + 12}`);
  L.push(`chunk ${f.mss}`);
  for (const c of conns) {
    L.push(`conn ${c.lport} ${secs(c.startNs)} ${secs(c.stopNs)} ${c.bytes} ${Math.round(c.rateBps)}`);
    for (const [a, b] of c.on) L.push(`on ${secs(a)} ${secs(b)}`);
  }
  return L.join('\n');
}

/** Single-quote a string for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Seconds as a decimal string without float noise. */
function secs(ns: number): string {
  return String(+(ns / 1e9).toFixed(6));
}

/** iperf3 takes whole seconds; a flow runs for its (rounded) active time. */
export function iperfSeconds(f: ResolvedFlow): number {
  return Math.max(1, Math.round((f.stopNs - f.startNs) / 1e9));
}

/** Default plan timeout for a scenario (seconds). */
export function planTimeoutS(s: ResolvedScenario): number {
  const lastEnd = Math.max(...s.flows.map((f) => f.startNs / 1e9 + iperfSeconds(f)), s.durationNs / 1e9);
  const heavyLoss = [s.link, ...(s.links ?? [])].some((l) => meanLossRate(l.loss) >= HEAVY_LOSS);
  return Math.ceil(lastEnd + PLAN_OVERHEAD_S + 2 * s.flows.length + (heavyLoss ? HEAVY_LOSS_EXTRA_S : 0));
}

/** iperf3 client arguments of a bulk flow beyond the address, ports and -J (plan-lib.sh adds those). */
function clientArgs(f: ResolvedFlow, maxMss: number): string[] {
  const a = ['-C', linuxCcName(f.cc), '-t', String(iperfSeconds(f))];
  if (f.mss !== maxMss) a.push('-M', String(f.mss + 12));
  return a;
}

/** The name a CC has in Linux (CcSpec.kernel.linuxName: bbr3's module registers as "bbr"). */
export function linuxCcName(cc: string): string {
  return ccSpec(cc)?.kernel?.linuxName ?? cc;
}

/**
 * `name:version:hint` words for plan-lib.sh's version check of CCs that need
 * a particular module version (CcSpec.kernel.moduleVersion: bbr3 needs
 * tcp_bbr version 3); empty for every other scenario.
 */
export function ccVersionChecks(s: ResolvedScenario): string[] {
  const out: string[] = [];
  for (const cc of new Set(s.flows.map((f) => f.cc))) {
    const k = ccSpec(cc)?.kernel;
    if (k?.moduleVersion !== undefined) out.push(`${linuxCcName(cc)} ${k.moduleVersion} ${cc}`);
  }
  return out;
}

/** What the shim needs beyond LD_PRELOAD and its log (plan-lib.sh adds those): the CC's parameters (CcSpec.kernel.shimEnv). */
function clientEnv(f: ResolvedFlow): string[] {
  const shimEnv = ccSpec(f.cc)?.kernel?.shimEnv;
  const params = ccParamsOf(f);
  return shimEnv && params ? shimEnv(params) : [];
}

/**
 * The module parameters the scenario's CCs need (CcSpec.kernel.moduleParams),
 * as `tcp_<cc> <param> <value>` triples for plan-lib.sh, which writes them
 * to /sys/module before any flow starts. A module's parameters are
 * machine-wide: flows of one CC with different values cannot run together.
 */
export function moduleParamWords(s: ResolvedScenario): string[] {
  const seen = new Map<string, { flow: number; values: string }>();
  const words: string[] = [];
  for (const f of s.flows) {
    const fn = ccSpec(f.cc)?.kernel?.moduleParams;
    const params = ccParamsOf(f);
    if (!fn || !params) continue;
    const values = Object.entries(fn(params));
    const key = JSON.stringify(values);
    const prev = seen.get(f.cc);
    if (prev !== undefined) {
      if (prev.values !== key) {
        throw new InputError(`flows[${f.id}].${f.cc}: differs from flow ${prev.flow}'s, but tcp_${f.cc}'s parameters apply to every connection of a Linux machine; give all ${f.cc} flows the same values for --backend kernel`);
      }
      continue;
    }
    seen.set(f.cc, { flow: f.id, values: key });
    for (const [name, v] of values) words.push(`tcp_${f.cc}`, name, String(v));
  }
  return words;
}

/**
 * tc arguments of the bottleneck's AQM (the qdisc registry's tcArgs), or null
 * for drop-tail, which netem's own queue models as the reference grid ran it.
 */
export function bottleneckAqmArgs(link: ResolvedLink): string[] | null {
  // a trace link always has the shaper layout (kernel/trace.ts): drop-tail is then pfifo/bfifo under it
  if (link.qdisc === 'droptail' && link.trace?.forward === undefined) return null;
  const entry = qdiscEntry(link.qdisc);
  if (!entry) throw new Error(`internal error: unknown qdisc ${link.qdisc}`);
  return entry.tcArgs({ params: link.qdiscParams ?? {}, limitPackets: link.queuePackets, limitBytes: link.queueBytes });
}

/**
 * Flows whose RTT is longer than the link's (flows[].rtt), grouped by their
 * extra delay: each group a band of the ACK path's prio qdisc with its own
 * netem (kernel/plan-lib.sh, ack_band). At most MAX_ACK_BANDS groups.
 */
export function flowRttBands(s: ResolvedScenario): { extraNs: number; flows: number[] }[] {
  const bands = new Map<number, number[]>();
  for (const f of s.flows) {
    if (!f.extraDelayNs) continue;
    const list = bands.get(f.extraDelayNs) ?? [];
    list.push(f.id);
    bands.set(f.extraDelayNs, list);
  }
  if (bands.size > MAX_ACK_BANDS) {
    throw new InputError(`flows[].rtt: ${bands.size} different flow RTTs; the kernel backend gives each its own band of a prio qdisc, which has at most ${MAX_ACK_BANDS} besides the link's`);
  }
  return [...bands].sort((a, b) => a[0] - b[0]).map(([extraNs, flows]) => ({ extraNs, flows }));
}

/**
 * What the kernel harness cannot yet run with reverse flows, as one line
 * naming the field (null when it can): two things that would each be the
 * root qdisc of one host's device, a flow's own-RTT delay band
 * (delayBands) and fq (a forward flow's fq on snd, a reverse flow's on rcv).
 */
export function reverseFlowProblem(s: ResolvedScenario): string | null {
  if (!hasReverseFlows(s)) return null;
  const fqOn = (dir: 'forward' | 'reverse') => s.flows.some((f) => f.pacing === 'fq' && (f.direction === 'reverse') === (dir === 'reverse'));
  for (const f of s.flows) {
    if (!f.extraDelayNs) continue;
    // a forward flow's band is on rcv's veth0 (where a reverse flow's fq goes), a reverse flow's on snd's (a forward flow's fq)
    const rev = f.direction === 'reverse';
    if (fqOn(rev ? 'forward' : 'reverse')) {
      return `flows[${f.group}].rtt: a ${rev ? 'reverse' : 'forward'} flow of its own RTT cannot be combined with pacing: fq on a ${rev ? 'forward' : 'reverse'} flow on the kernel backend (both need the ${rev ? 'sending' : 'receiving'} host's device); run it with --backend sim`;
    }
  }
  return null;
}

/** netem's and pfifo's limit for a queue the scenario leaves unlimited (a reverse trace's ACK queue, as mahimahi's). */
export const UNLIMITED_QUEUE_PACKETS = 1_000_000;

/** One band of flows' extra delay on a host's egress (delay_band in kernel/plan-lib.sh). */
export interface DelayBand {
  /** The namespace, as the plan writes it ("$NS_RCV", "$NS_PRE-r0"). */
  ns: string;
  dev: string;
  extraNs: number;
  flows: number[];
}

/**
 * Flows' extra delay (flows[].rtt) where the router's ACK path cannot hold
 * it (ackBandsOnRouter is false): grouped by device and extra delay, each
 * group a band of a prio qdisc on that device with a netem of only that
 * delay (kernel/plan-lib.sh, delay_band), on the way the flow's ACKs take:
 *   - a chain: the first router's egress towards the flow's sender (r<i>'s
 *     to-s), after every link, where the simulator adds it;
 *   - one link with a reverse bottleneck (reverse flows or a reverse trace)
 *     on to-snd: a forward flow's on the receiving host's egress (rcv's
 *     veth0), a reverse flow's on the sending host's (snd's veth0), before
 *     the link (the other direction's bottleneck holds the router's egress).
 * At most MAX_ACK_BANDS groups per device.
 */
export function delayBands(s: ResolvedScenario): DelayBand[] {
  const groups = new Map<string, DelayBand>();
  for (const f of s.flows) {
    if (!f.extraDelayNs) continue;
    const [ns, dev] = s.links ? [`"$NS_PRE-r${f.path![0]}"`, 'to-s'] : f.direction === 'reverse' ? ['"$NS_SND"', 'veth0'] : ['"$NS_RCV"', 'veth0'];
    const key = `${ns} ${dev} ${f.extraDelayNs}`;
    const g = groups.get(key) ?? { ns, dev, extraNs: f.extraDelayNs, flows: [] };
    g.flows.push(f.id);
    groups.set(key, g);
  }
  const bands = [...groups.values()].sort((a, b) => (a.ns === b.ns ? (a.dev === b.dev ? a.extraNs - b.extraNs : a.dev < b.dev ? -1 : 1) : a.ns < b.ns ? -1 : 1));
  const perDevice = new Map<string, number>();
  for (const b of bands) perDevice.set(`${b.ns} ${b.dev}`, (perDevice.get(`${b.ns} ${b.dev}`) ?? 0) + 1);
  const most = Math.max(0, ...perDevice.values());
  if (most > MAX_ACK_BANDS) {
    throw new InputError(`flows[].rtt: ${most} different flow RTTs on one host; the kernel backend gives each its own band of a prio qdisc, which has at most ${MAX_ACK_BANDS} besides the one without delay`);
  }
  return bands;
}

/** Do flows' extra delays sit on the router's ACK path (flowRttBands), as they did before chains and reverse bottlenecks? */
export function ackBandsOnRouter(s: ResolvedScenario): boolean {
  return !s.links && !hasReverseFlows(s) && s.link.trace?.reverse === undefined;
}

/** plan_delay_bands: each device's prio (delay_bands), then its bands (delay_band), as kernel/plan-lib.sh reads them. */
function delayBandLines(bands: readonly DelayBand[], rateOf: (b: DelayBand) => number, maxMss: number): string[] {
  const L = ['DELAY_BANDS=1', 'plan_delay_bands() {'];
  let dev = '';
  let k = 0;
  for (const b of bands) {
    if (`${b.ns} ${b.dev}` !== dev) {
      dev = `${b.ns} ${b.dev}`;
      k = 0;
      L.push(`  delay_bands ${dev} ${bands.filter((x) => `${x.ns} ${x.dev}` === dev).length}`);
    }
    k++;
    L.push(`  delay_band ${dev} ${k} ${shQuote(delayNetemArgs(b.extraNs, rateOf(b), maxMss).join(' '))} ${shQuote(b.flows.join(' '))}`);
  }
  L.push('}');
  return L;
}

/** The latency probe as plan-lib.sh's start_probe reads it: start (s), interval (s), payload bytes, requests. */
export function probeWords(p: ResolvedProbe): string[] {
  return [secs(p.startNs), secs(p.intervalNs), String(p.sizeBytes), String(probeCount(p))];
}

/** Requests the probe sends: one every interval from its start, before its stop. */
export function probeCount(p: ResolvedProbe): number {
  return Math.ceil((p.stopNs - p.startNs) / p.intervalNs);
}

/** The fixed part of every plan (kernel/plan-lib.sh). */
export const PLAN_LIB_FILE = join(KERNEL_ASSETS_DIR, 'plan-lib.sh');

let planLib: { text: string; hash: string } | null = null;
function readPlanLib(): { text: string; hash: string } {
  if (planLib === null) {
    const text = readFileSync(PLAN_LIB_FILE, 'utf8');
    planLib = { text, hash: createHash('sha256').update(text).digest('hex').slice(0, 12) };
  }
  return planLib;
}

/** The script a target runs: the library, then the plan (`sh -s OUTDIR` or `sh file OUTDIR`). */
export function executablePlan(plan: string): string {
  return `${readPlanLib().text}\n${plan}`;
}

/** Where cclab_pacer applies one traced direction's rate changes (kernel/plan-lib.sh's shaper layout, tbf 1: at the root). */
export interface TracedShaper {
  /** The router's namespace as the plan writes it ("$NS_RTR", "$NS_PRE-r1"). */
  ns: string;
  dev: string;
  /** Where the pacer's kicks go: an address past the shaper, as the plan writes it. */
  kick: string;
  /** Suffix of its log files (trace-pacer<suffix>.txt, trace-tc<suffix>.err); '' for link.trace's forward direction. */
  suffix: string;
  /** The field it follows, for the comment. */
  field: string;
  schedule: readonly RateChange[];
}

/**
 * A trace link's part of the plan (src/kernel/trace.ts): its rate changes,
 * and start_trace, which plan_clients calls first. cclab_pacer reads the
 * changes from the heredoc and feeds them, as full `tc qdisc change` lines,
 * to one `tc -batch`, both in the router's namespace, at t0 + their time ($T0,
 * timeline.txt's t0, the time base of the results), and logs how late each was
 * (trace-pacer.txt); tc's complaints go to trace-tc.err. The pacer is in
 * PIDS, so the plan's cleanup stops it (and its tc) with everything else.
 * tbf's change must repeat all its arguments (tbf_change replaces them).
 * One pacer per traced shaper: a reverse trace's on to-snd (trace-pacer-rev.txt),
 * a chain's link i's on r<i>'s to-rcv (trace-pacer-<i>.txt).
 */
function tracePlanLines(shapers: readonly TracedShaper[], pacerPath: string, burst: number): string[] {
  return [
    `PACER_PATH=${shQuote(pacerPath)}`,
    ...shapers.flatMap((t, k) => [
      t.field === 'link.trace'
        ? `# link.trace: tbf's rate (bit/s) over ${TRACE_WINDOW_MS} ms windows after t0, at each change`
        : `# ${t.field}: tbf's rate (bit/s) on ${t.dev} over ${TRACE_WINDOW_MS} ms windows after t0, at each change`,
      ...(k === 0 ? ['start_trace() {', '  PACER=${CCLAB_PACER:-$PACER_PATH}', '  [ -x "$PACER" ] || fail 5 "cclab_pacer not found at $PACER"'] : []),
      `  "$IP" netns exec ${t.ns} "$PACER" -t "$T0" -k ${t.kick} -p 'qdisc change dev ${t.dev} handle 1: tbf rate ' -s 'bit burst ${burst} limit ${burst}' - "$OUT/trace-pacer${t.suffix}.txt" "$TC" -force -batch - 2>"$OUT/trace-tc${t.suffix}.err" <<'EOF' &`,
      // "!": raised from a rate at which tbf may sleep past the change: the pacer kicks it (kernel/trace.ts)
      ...t.schedule.slice(1).map((c, i) => `${c.atMs} ${t.schedule[i]!.rateBps < TRACE_KICK_BELOW_BPS && c.rateBps > t.schedule[i]!.rateBps ? '!' : ''}${c.rateBps}`),
      'EOF',
      '  PIDS="$PIDS $!"',
    ]),
    '}',
  ];
}

/** The kernel backend has no QUIC: one line naming the first QUIC flow. */
export function refuseQuic(s: ResolvedScenario): void {
  const quic = s.flows.find((f) => f.transport === 'quic');
  if (quic) throw new InputError(`flows[${quic.group}].transport: quic has no kernel counterpart (Hysteria and quic-go are not packaged here; docs/fidelity.md); run QUIC flows with --backend sim`);
}

/**
 * The reverse direction's shaper layout (kernel/plan-lib.sh,
 * setup_reverse_bottleneck) when it needs more than main's: a reverse
 * trace, or reverse flows next to a forward trace (whose shaper starts at
 * the trace's first rate, while the reverse bottleneck runs at the link's
 * rate, the trace's mean). Null when the plan keeps main's variables.
 *   - reverse flows: the link's queue under tbf (REV_QUEUE, only when the
 *     forward direction's AQM is drop-tail's netem), the reverse trace's
 *     first rate or the link's rate (REV_SHAPER_RATE);
 *   - a reverse trace alone (ACKs only): netem with the reverse delay and
 *     ACK loss, and mahimahi's unlimited drop-tail queue, as the simulator's.
 */
function reverseShaperVars(s: ResolvedScenario, maxMss: number, aqm: string[] | null, fwdTraced: boolean, revSchedule: readonly RateChange[] | null): string[] | null {
  const hasRev = hasReverseFlows(s);
  if (revSchedule === null && !(hasRev && fwdTraced)) return null;
  const rate = revSchedule === null ? s.link.rateBps : revSchedule[0]!.rateBps;
  // netem under tbf holds the delay line at up to the trace's fastest window
  const peak = revSchedule === null ? s.link.rateBps : Math.max(...revSchedule.map((c) => c.rateBps));
  const L = [`REV_SHAPER_RATE=${Math.round(rate)}`];
  if (hasRev) {
    L.push(`NETEM_REV=${shQuote(reverseNetemArgs({ ...s.link, rateBps: peak }, maxMss, true).join(' '))}`);
    if (aqm === null) L.push(`REV_QUEUE=${shQuote(queueArgs(s.link).join(' '))}`);
  } else {
    const loss = s.link.ackLoss > 0 ? ['loss', 'random', tcPercent(s.link.ackLoss)] : [];
    L.push(`NETEM_REV=${shQuote(['netem', 'limit', String(UNLIMITED_QUEUE_PACKETS), 'delay', tcMicros(s.link.revDelayNs), ...loss].join(' '))}`);
    L.push(`REV_QUEUE='pfifo limit ${UNLIMITED_QUEUE_PACKETS}'`);
  }
  return L;
}

/** tc arguments of a link's queue discipline under a shaper (drop-tail: pfifo/bfifo of its queue). */
function queueArgs(link: ResolvedLink): string[] {
  const entry = qdiscEntry(link.qdisc);
  if (!entry) throw new Error(`internal error: unknown qdisc ${link.qdisc}`);
  return entry.tcArgs({ params: link.qdiscParams ?? {}, limitPackets: link.queuePackets, limitBytes: link.queueBytes });
}

/** Generate the plan for one scenario: what varies between runs (see kernel/plan-lib.sh). */
export function generatePlan(s: ResolvedScenario, opts: PlanOptions): string {
  if (!/^[A-Za-z0-9]{1,12}$/.test(opts.runId)) throw new Error(`plan runId must be 1-12 letters or digits, got "${opts.runId}"`);
  refuseQuic(s);
  const revProblem = reverseFlowProblem(s);
  if (revProblem !== null) throw new InputError(revProblem);
  const rev = s.flows.filter((f) => f.direction === 'reverse');
  const gen = s.flows.filter(usesGenerator);
  const ports = workloadPortRanges(s);
  const maxMss = Math.max(...s.flows.map((f) => f.mss));
  const mtu = maxMss === DEFAULT_MSS ? '' : String(maxMss + MTU_OVERHEAD_BYTES);
  const ccs = [...new Set(s.flows.map((f) => linuxCcName(f.cc)))];
  const versionChecks = ccVersionChecks(s);
  const sampleMs = Math.max(1, Math.round(s.sampleIntervalNs / 1e6));
  const aqm = bottleneckAqmArgs(s.link);
  // flows of their own RTT: bands on the router's ACK path (as before), or on the hosts' egress (delayBands)
  const onRouter = ackBandsOnRouter(s);
  const ackBands = onRouter ? flowRttBands(s) : [];
  const hostBands = onRouter ? [] : delayBands(s);
  const moduleParams = moduleParamWords(s);
  const schedule = s.link.trace?.forward ? traceSchedule(readResolvedTrace(s.link.trace.forward), s.durationNs, maxMss) : null;
  // netem under the shaper holds its delay line at up to the trace's fastest window
  const shaperLink = schedule === null ? s.link : { ...s.link, rateBps: Math.max(...schedule.map((c) => c.rateBps)) };
  // a reverse trace: the reverse direction's shaper (tbf on to-snd) follows it; it carries ACKs unless reverse flows send data there
  // ACKs only: each change refills tbf's bucket with a full-size packet (23 ACKs), so a slow ACK trace is followed at its mean, not window by window
  const revSchedule = s.link.trace?.reverse ? traceSchedule(readResolvedTrace(s.link.trace.reverse), s.durationNs, rev.length > 0 ? maxMss : 0, TRACE_WINDOW_MS, rev.length > 0) : null;
  const revShaper = reverseShaperVars(s, maxMss, aqm, schedule !== null, revSchedule);
  const shapers: TracedShaper[] = [
    ...(schedule !== null ? [{ ns: '"$NS_RTR"', dev: 'to-rcv', kick: '"$RECEIVER_ADDR"', suffix: '', field: 'link.trace', schedule }] : []),
    ...(revSchedule !== null ? [{ ns: '"$NS_RTR"', dev: 'to-snd', kick: '"$SENDER_ADDR"', suffix: '-rev', field: 'link.trace.reverse', schedule: revSchedule }] : []),
    ...(s.links ? chainTracedShapers(s, maxMss) : []),
  ];
  const snapshotS = Math.max(SNAPSHOT_INTERVAL_S, s.sampleIntervalNs / 1e9);
  const L = [
    `# cclab kernel plan for scenario ${JSON.stringify(s.name)}: ${s.flows.length} flow(s), ${secs(s.durationNs)} s.`,
    `# Generated by cclab (src/kernel/plan.ts): what varies between runs. The fixed part is`,
    `# kernel/plan-lib.sh (sha256 ${readPlanLib().hash}); run as root: cat plan-lib.sh plan.sh | sh -s OUTDIR`,
    `RUN_ID=${opts.runId}`,
    `TIMEOUT_S=${opts.timeoutS ?? planTimeoutS(s)}`,
    `SHIM_PATH=${shQuote(opts.shimPath ?? SHIM.guestPath)}`,
    `SAMPLER_PATH=${shQuote(opts.samplerPath ?? SAMPLER.guestPath)}`,
    // only with flows that cclab_flow runs: other plans keep their bytes
    ...(gen.length > 0 ? [`FLOW_PATH=${shQuote(opts.flowPath ?? FLOW.guestPath)}`] : []),
    `CCS=${shQuote(ccs.join(' '))}`,
    `MODULE_HINT=${shQuote(opts.moduleHint)}`,
    // only when a CC needs a module version (bbr3): other plans keep their bytes
    ...(versionChecks.length > 0 ? [`CC_VERSIONS=${shQuote(versionChecks.join(' '))}`] : []),
    // only when a CC has module parameters: other plans keep their bytes
    ...(moduleParams.length > 0 ? [`MODULE_PARAMS=${shQuote(moduleParams.join(' '))}`] : []),
    `MTU=${mtu}`,
    `RMEM_MAX=${receiveBufferMax(s)}`,
    `WMEM_MAX=${SOCKET_BUFFER_MAX_BYTES}`,
    `NETEM_DATA=${shQuote((aqm === null ? dataNetemArgs(s.link, maxMss) : aqmNetemArgs(shaperLink, maxMss)).join(' '))}`,
    `NETEM_ACK=${shQuote(ackNetemArgs(s.link, maxMss).join(' '))}`,
    `AQM=${shQuote(aqm === null ? '' : aqm.join(' '))}`,
    `SHAPER_RATE=${Math.round(schedule === null ? s.link.rateBps : schedule[0]!.rateBps)}`,
    `SHAPER_BURST=${maxMss + DATA_OVERHEAD_BYTES}`,
    `FQ=${s.flows.some((f) => f.pacing === 'fq' && f.direction !== 'reverse') ? 1 : 0}`,
    // only with a reverse flow that asks for fq pacing: other plans keep their bytes
    ...(rev.some((f) => f.pacing === 'fq') ? ['FQ_REV=1'] : []),
    `ECN_FLOWS=${shQuote(s.flows.filter((f) => f.ecn).map((f) => f.id).join(' '))}`,
    `FLOWS=${s.flows.length}`,
    ...(gen.length > 0 ? [`GEN_FLOWS=${shQuote(gen.map((f) => f.id).join(' '))}`] : []),
    ...(ports.size > 0 ? [`WORKLOAD_PORTS=${shQuote([...ports].map(([id, r]) => `${id}:${r.lo}-${r.hi}`).join(' '))}`] : []),
    // only with a reverse workload: other plans keep their bytes
    ...(rev.some((f) => f.arrivals) ? [`REV_WORKLOADS=${shQuote(rev.filter((f) => f.arrivals).map((f) => f.id).join(' '))}`] : []),
    // only with flows of their own RTT: other plans keep their bytes
    ...(ackBands.length > 0 ? [`ACK_BANDS=${ackBands.length}`] : []),
    // only with reverse flows: other plans keep their bytes
    ...(rev.length > 0 ? [`REV_FLOWS=${shQuote(rev.map((f) => f.id).join(' '))}`, ...(revShaper === null ? [`NETEM_REV=${shQuote(reverseNetemArgs(s.link, maxMss, aqm !== null).join(' '))}`] : [])] : []),
    // only with a warm-up or a probe: other plans keep their bytes
    ...(s.warmupNs !== undefined ? [`WARMUP_S=${secs(s.warmupNs)}`] : []),
    ...(s.probe !== undefined ? [`PROBE=${shQuote(probeWords(s.probe).join(' '))}`] : []),
    `SAMPLE_MS=${sampleMs}`,
    `SNAPSHOT_S=${snapshotS}`,
    // only on a chain of links: other plans keep their bytes
    ...(s.links ? chainPlanLines(s, maxMss) : []),
    // only with a reverse trace, or reverse flows next to a forward trace: other plans keep their bytes
    ...(revShaper ?? []),
    // only with flows of their own RTT on a chain or next to a reverse bottleneck: other plans keep their bytes
    ...(hostBands.length > 0 ? delayBandLines(hostBands, (b) => delayBandRateBps(s, b), maxMss) : []),
    ...(ackBands.length > 0
      ? ['plan_ack_bands() {', ...ackBands.map((b, k) => `  ack_band ${k + 1} ${shQuote(ackNetemArgs(s.link, maxMss, b.extraNs).join(' '))} ${shQuote(b.flows.join(' '))}`), '}']
      : []),
    ...(gen.length > 0 ? ['plan_schedules() {', ...gen.flatMap((f) => [`  schedule ${f.id} <<'EOF'`, flowSchedule(f, genConnections(s, f, ports), maxMss), 'EOF']), '}'] : []),
    // only for a trace link: other plans keep their bytes
    ...(shapers.length > 0 ? tracePlanLines(shapers, opts.pacerPath ?? PACER.guestPath, maxMss + DATA_OVERHEAD_BYTES) : []),
    'plan_clients() {',
    ...(shapers.length > 0 ? ['  start_trace'] : []),
    ...s.flows.flatMap((f) => [...(s.links ? [`  chain_flow ${f.id}`] : []),
      usesGenerator(f)
        ? `  start_flow ${f.id} ${secs(Math.max(0, f.startNs - GEN_LAUNCH_LEAD_NS))} ${shQuote(clientEnv(f).join(' '))}`
        : `  start_client ${f.id} ${secs(f.startNs)} ${shQuote(clientEnv(f).join(' '))} ${clientArgs(f, maxMss).join(' ')}`,
    ]),
    '}',
    'plan_main "$@"',
    '',
  ];
  return L.join('\n');
}

/** The rate bounding a delay band's flows: the narrowest link of their paths, or the single link's. */
function delayBandRateBps(s: ResolvedScenario, b: DelayBand): number {
  if (!s.links) return s.link.rateBps;
  return Math.max(...b.flows.map((id) => Math.min(...s.flows[id]!.path!.map((i) => s.links![i]!.rateBps))));
}

/** A chain's trace links: link i's tbf on r<i>'s to-rcv, kicked towards d<i> (10.203.<i>.1, past that link). */
function chainTracedShapers(s: ResolvedScenario, maxMss: number): TracedShaper[] {
  return s.links!.flatMap((l, i) =>
    l.trace?.forward ? [{ ns: `"$NS_PRE-r${i}"`, dev: 'to-rcv', kick: `10.203.${i}.1`, suffix: `-${i}`, field: `links[${i}].trace`, schedule: chainSchedule(s, l, maxMss)! }] : [],
  );
}

/** A chain link's rate schedule, or null for a link of constant rate. */
function chainSchedule(s: ResolvedScenario, l: ResolvedLink, maxMss: number): RateChange[] | null {
  return l.trace?.forward ? traceSchedule(readResolvedTrace(l.trace.forward), s.durationNs, maxMss) : null;
}

/**
 * A chain's plan variables (kernel/plan-lib.sh): HOPS, each flow's first and
 * last link (FLOW_HOPS), and plan_hops, each link's qdiscs as the single
 * link's (netem alone, or tbf -> netem -> AQM) and its ACK direction's netem.
 */
export function chainPlanLines(s: ResolvedScenario, maxMss: number): string[] {
  const links = s.links!;
  return [
    `HOPS=${links.length}`,
    `FLOW_HOPS=${shQuote(s.flows.map((f) => `${f.id}:${f.path![0]}:${f.path![f.path!.length - 1]}`).join(' '))}`,
    'plan_hops() {',
    ...links.map((l, i) => {
      const aqm = bottleneckAqmArgs(l);
      // a trace link: tbf starts at the trace's first rate; netem under it holds the delay line at its fastest
      const sched = chainSchedule(s, l, maxMss);
      const data = aqm === null ? dataNetemArgs(l, maxMss) : aqmNetemArgs(sched === null ? l : { ...l, rateBps: Math.max(...sched.map((c) => c.rateBps)) }, maxMss);
      return `  hop ${i} ${shQuote(data.join(' '))} ${shQuote(ackNetemArgs(l, maxMss).join(' '))} ${shQuote(aqm === null ? '' : aqm.join(' '))} ${Math.round(sched === null ? l.rateBps : sched[0]!.rateBps)}`;
    }),
    '}',
  ];
}
