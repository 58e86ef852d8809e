#!/usr/bin/env node
/**
 * How much timing noise a kernel target puts on the ACK clock, measured the
 * same way on the simulator for calibration.
 *
 * A flow that keeps the bottleneck busy gets its data out of netem at exactly
 * one packet time apart (1514 bytes at the link rate), so ACKs, one per one
 * or two segments, would reach the sender exactly (segments ACKed) x (packet
 * time) apart if the hosts and the reverse path added no noise. Gaps that are
 * *shorter* than that can only come from noise (an idle bottleneck only makes
 * gaps longer). With each ACK delayed by an independent uniform [0, J) (the
 * simulator's `link.hostJitter` model), the gap error d = n_i - n_(i-1) is
 * triangular on (-J, J) and E[min(0, d)] = -J/6; so J is estimated as
 * -6 x mean(min(0, d)). The same estimator runs on the simulator at known
 * host jitters to check it.
 *
 * Usage (needs the VM, and tcpdump on this host for the guest):
 *   npm run build
 *   CCLAB_VM_EXTRA_BINARIES=/usr/bin/tcpdump node kernel/measure-ack-noise.mjs [runs] [--receiver]
 *
 * Each run also reports how late its ACKs were against a perfectly clocked
 * receiver (ackLateness), and the runs' pooled quantiles are printed as a
 * `link.ackJitter` setting: what a reference tree's testbed.yaml holds.
 *
 * --sim-set <path=value> (repeatable) also runs the simulator with those
 * settings, e.g. the receiver stalls measured with --receiver. --keep <dir>
 * keeps each kernel run's raw files. A run count of 0 skips the kernel.
 *
 * --receiver also captures on the receiver's interface and reports, for each
 * ACK that covers 4 or more segments, how long no ACK left the receiver and
 * how the data arrived meanwhile (on time, or in a burst).
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadScenario } from '../dist/scenario/load.js';
import { runSimulation } from '../dist/sim/run.js';
import { makeTarget } from '../dist/kernel/targets.js';
import { generatePlan, planTimeoutS } from '../dist/kernel/plan.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCENARIO = join(HERE, 'reference', 'ack-noise.yaml');
/** ACKs before this time (s after the first) are slow start: not used. */
const SKIP_S = 3;

/** Packet time of a full-sized segment on the link: (mss + 66) bytes at the link rate, in µs. */
function packetTimeUs(resolved) {
  const mss = resolved.flows[0].mss;
  return ((mss + 66) * 8 * 1e6) / resolved.link.rateBps;
}

/**
 * The estimator: from ACK arrival times (µs) and cumulative ACKed segments,
 * J = -6 x mean(min(0, gap error)), over gaps that ACK 1 to 3 new segments.
 */
export function estimateJitterUs(acks, tauUs) {
  const t0 = acks[0].tUs;
  let sum = 0;
  let n = 0;
  for (let i = 1; i < acks.length; i++) {
    const a = acks[i - 1];
    const b = acks[i];
    if (a.tUs - t0 < SKIP_S * 1e6) continue;
    const segs = b.seg - a.seg;
    if (segs < 1 || segs > 3) continue;
    const d = b.tUs - a.tUs - segs * tauUs;
    sum += Math.min(0, d);
    n++;
  }
  return { jitterUs: (-6 * sum) / n, gaps: n };
}

/** Window around an ACK in which the on-time ACKs give its reference time, µs. */
const LATENESS_WINDOW_US = 5000;
/** An ACK gap this much longer than its segments' packet time means the link went idle, µs. */
const IDLE_GAP_US = 1000;
/**
 * Quantiles reported for the ACK lateness and written as link.ackJitter. The
 * estimator recovers the simulator's own setting up to 99.5% (checked with
 * --sim-set); further out it is not reliable, so 99.5% stands for 100%.
 */
export const LATENESS_QUANTILES = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995];

/**
 * How late each ACK reached the sender compared with a perfectly clocked
 * receiver. While the bottleneck is busy, ACK i would arrive at
 * t0 + (segments ACKed) x (packet time); r_i = t_i - segments_i x tau is
 * that plus the ACK's lateness, and the smallest r within +-2.5 ms (an
 * on-time ACK nearby) is the reference. ACKs within 5 ms of an idle gap
 * (the link not busy, e.g. BBR's PROBE_RTT) are left out. Sorted, µs.
 */
export function ackLateness(acks, tauUs) {
  const t0 = acks[0].tUs;
  const a = acks.filter((x) => x.tUs - t0 >= SKIP_S * 1e6);
  const r = a.map((x) => x.tUs - x.seg * tauUs);
  const idle = [];
  for (let i = 1; i < a.length; i++) if (a[i].tUs - a[i - 1].tUs - (a[i].seg - a[i - 1].seg) * tauUs > IDLE_GAP_US) idle.push(a[i].tUs);
  const out = [];
  let lo = 0;
  let hi = 0;
  const dq = []; // indices of a sliding-window minimum of r
  let head = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    while (hi < a.length && a[hi].tUs - a[i].tUs <= LATENESS_WINDOW_US / 2) {
      while (dq.length > head && r[dq[dq.length - 1]] >= r[hi]) dq.pop();
      dq.push(hi++);
    }
    while (a[i].tUs - a[dq[head]].tUs > LATENESS_WINDOW_US / 2) head++;
    while (lo < i && a[i].tUs - a[lo].tUs > LATENESS_WINDOW_US) lo++;
    while (k < idle.length && idle[k] < a[i].tUs - LATENESS_WINDOW_US) k++;
    if (k < idle.length && Math.abs(idle[k] - a[i].tUs) <= LATENESS_WINDOW_US) continue;
    out.push(r[i] - r[dq[head]]);
  }
  return out.sort((x, y) => x - y);
}

/** The q-quantile of an ascending list (NaN when empty). */
function atQuantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

/** The q-quantile of a list in any order. */
function quantile(xs, q) {
  return atQuantile([...xs].sort((a, b) => a - b), q);
}

/** "p50 0 p90 8 ..." for a sorted lateness list. */
function latenessLine(l) {
  return LATENESS_QUANTILES.map((q) => `p${q * 100} ${Math.round(atQuantile(l, q))}`).join(' ');
}

/**
 * ACK batching: the share of ACKs that cover 4 or more new segments (a
 * receiver ACKs every second segment unless it defers), and delivery rates
 * over windows of about one RTT as the sender sees them, against the link.
 */
export function batching(acks, tauUs, windowUs, mss) {
  const t0 = acks[0].tUs;
  let big = 0;
  let all = 0;
  for (let i = 1; i < acks.length; i++) {
    if (acks[i - 1].tUs - t0 < SKIP_S * 1e6) continue;
    const segs = acks[i].seg - acks[i - 1].seg;
    if (segs <= 0) continue;
    all++;
    if (segs >= 4) big++;
  }
  const rates = [];
  let j = 0;
  for (let i = 0; i < acks.length; i++) {
    if (acks[i].tUs - t0 < SKIP_S * 1e6) continue;
    while (acks[i].tUs - acks[j].tUs > windowUs) j++;
    if (acks[i].tUs - acks[j].tUs < 0.9 * windowUs) continue;
    rates.push(((acks[i].seg - acks[j].seg) * tauUs) / (acks[i].tUs - acks[j].tUs));
  }
  rates.sort((a, b) => a - b);
  return { bigShare: big / all, p99: rates[Math.floor(0.99 * (rates.length - 1))], max: rates[rates.length - 1] };
}

function report(label, acks, tau, resolved) {
  const e = estimateJitterUs(acks, tau);
  const b = batching(acks, tau, resolved.link.rttNs / 1000 + 2000, resolved.flows[0].mss);
  const pct = (x) => `${x >= 1 ? '+' : ''}${(100 * (x - 1)).toFixed(1)}%`;
  const late = ackLateness(acks, tau);
  console.log(
    `  ${label}: noise J ${e.jitterUs.toFixed(1)} µs (${e.gaps} gaps); ACKs covering >= 4 segments ${(100 * b.bigShare).toFixed(2)}%; ` +
      `delivery rate over ~1 RTT vs the link: p99 ${pct(b.p99)}\n    ACK lateness (µs): ${latenessLine(late)}`,
  );
  return late;
}

/** ACK arrivals at the sender in a simulation. */
function simAcks(resolved) {
  const acks = [];
  runSimulation(resolved, {
    setup(net) {
      const s = net.senders[0];
      const recv = s.receive.bind(s);
      s.receive = (p) => {
        if (p.isAck) acks.push({ tUs: net.sim.now / 1000, seg: p.ackSeg });
        recv(p);
      };
    },
  });
  return acks;
}

/** TCP packets of a pcap (Ethernet, IPv4): time (µs), ports, seq, ack, payload length. */
function pcapTcp(buf) {
  if (buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  const out = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = buf.readUInt32LE(off);
    const usec = buf.readUInt32LE(off + 4);
    const incl = buf.readUInt32LE(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (pkt.length < 14 + 20 + 20 || pkt.readUInt16BE(12) !== 0x0800) continue;
    const ihl = (pkt[14] & 0x0f) * 4;
    const tcp = 14 + ihl;
    const len = pkt.readUInt16BE(16) - ihl - (pkt[tcp + 12] >> 4) * 4;
    out.push({ tUs: sec * 1e6 + usec, sport: pkt.readUInt16BE(tcp), seq: pkt.readUInt32BE(tcp + 4), ack: pkt.readUInt32BE(tcp + 8), len });
  }
  return out;
}

/** The shim's I/O log: "read|write <start_us> <duration_us> <bytes>" per call. */
function parseIo(text, kind) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${kind} `))
    .map((l) => {
      const [, t, d, b] = l.split(' ').map(Number);
      return { tUs: t, durUs: d, bytes: b, endUs: t + d };
    })
    .sort((a, b) => a.tUs - b.tUs);
}

/**
 * The applications' timing against the ACK stalls. A blackout is a time the
 * receiving application did not read although data was waiting (from the
 * first unread arrival to the read, when longer than BLACKOUT_US). For each,
 * whether a write() of the sending iperf3 (same guest CPU) was in progress;
 * and for each stretch ACK, whether it left as a blackout ended (the read
 * that ended it sent the ACK: tcp_cleanup_rbuf).
 */
const BLACKOUT_US = 300;
function appTiming(reads, writes, arrivals, stalls, t0) {
  const steady = reads.filter((r) => r.tUs - t0 >= SKIP_S * 1e6);
  if (steady.length < 2) return null;
  const spanS = (steady.at(-1).endUs - steady[0].tUs) / 1e6;
  const latency = [];
  const blackouts = [];
  let j = 0;
  for (let i = 1; i < steady.length; i++) {
    while (j < arrivals.length && arrivals[j] <= steady[i - 1].tUs) j++;
    if (j >= arrivals.length || arrivals[j] >= steady[i].tUs) continue;
    const l = steady[i].tUs - arrivals[j];
    latency.push(l);
    if (l > BLACKOUT_US) blackouts.push({ fromUs: arrivals[j], toUs: steady[i].tUs });
  }
  const overlapsWrite = (b) => writes.some((w) => w.tUs < b.toUs && w.endUs > b.fromUs);
  const endsBlackout = (st) => blackouts.some((b) => st.tUs >= b.toUs && st.tUs - b.toUs <= 200);
  const wSteady = writes.filter((w) => w.tUs - t0 >= SKIP_S * 1e6);
  return {
    readsPerSecond: steady.length / spanS,
    latencyP50: quantile(latency, 0.5),
    latencyP99: quantile(latency, 0.99),
    blackoutsPerSecond: blackouts.length / spanS,
    blackoutDeciles: [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95].map((q) => quantile(blackouts.map((b) => b.toUs - b.fromUs), q)),
    blackoutsInWrite: blackouts.filter(overlapsWrite).length,
    blackouts: blackouts.length,
    stallsEndingBlackout: stalls.filter(endsBlackout).length,
    writesPerSecond: wSteady.length / spanS,
    writeDurP50: quantile(wSteady.map((w) => w.durUs), 0.5),
    writeDurP99: quantile(wSteady.map((w) => w.durUs), 0.99),
    writeBytesP50: quantile(wSteady.map((w) => w.bytes), 0.5),
  };
}

/** Receiver side: each ACK covering >= 4 segments, how long no ACK left before it, and the data spacing meanwhile. */
function receiverStalls(buf, mss, reads, writes) {
  const pkts = pcapTcp(buf);
  const data = pkts.filter((p) => p.sport !== 5201 && p.len > 0);
  const acks = pkts.filter((p) => p.sport === 5201);
  const t0 = data[0].tUs;
  const stalls = [];
  for (let i = 1; i < acks.length; i++) {
    const a = acks[i - 1];
    const b = acks[i];
    if (a.tUs - t0 < SKIP_S * 1e6 || ((b.ack - a.ack) >>> 0) < 4 * mss) continue;
    const inside = data.filter((d) => d.tUs > a.tUs && d.tUs <= b.tUs);
    const spacing = inside.length > 1 ? (inside.at(-1).tUs - inside[0].tUs) / (inside.length - 1) : NaN;
    stalls.push({ tUs: b.tUs, stallUs: b.tUs - a.tUs, spacingUs: spacing });
  }
  const med = (xs) => quantile(xs.filter(Number.isFinite), 0.5);
  const periods = stalls.slice(1).map((x, i) => x.tUs - stalls[i].tUs);
  return {
    n: stalls.length,
    stallUs: med(stalls.map((x) => x.stallUs)),
    spacingUs: med(stalls.map((x) => x.spacingUs)),
    periodUs: med(periods),
    app: appTiming(reads, writes, data.map((d) => d.tUs), stalls, t0),
  };
}

/** ACK arrivals from a pcap captured on the sender's interface (ACKs only), in segments since the first. */
function pcapAcks(buf, mss) {
  const pkts = pcapTcp(buf);
  const first = pkts[0]?.ack ?? 0;
  return pkts.map((p) => ({ tUs: p.tUs, seg: ((p.ack - first) >>> 0) / mss }));
}

async function kernelAcks(resolved) {
  const target = makeTarget('vm', []);
  await target.prepare(() => {});
  let plan = generatePlan(resolved, { runId: 'acknoise', moduleHint: target.moduleHint, ...(target.shimPath ? { shimPath: target.shimPath } : {}), ...(target.samplerPath ? { samplerPath: target.samplerPath } : {}) });
  const secs = Math.ceil(resolved.durationNs / 1e9) + 5;
  let capture = `"$IP" netns exec "$NS_SND" timeout ${secs} tcpdump -Z root -i veth0 -n -s 66 -w "$OUT/acks.pcap" 'tcp src port 5201' 2>"$OUT/tcpdump.err" &\n`;
  if (RECEIVER) {
    capture += `"$IP" netns exec "$NS_RCV" timeout ${secs} tcpdump -Z root -i veth0 -n -s 66 -w "$OUT/rcv.pcap" tcp 2>"$OUT/tcpdump-rcv.err" &\n`;
    // the receiver namespace's TCP counters (TcpExt: DelayedACKs, TCPBacklogCoalesce, ...), once a second
    capture += `(while [ ! -e "$OUT/.stop" ]; do "$IP" netns exec "$NS_RCV" cat /proc/net/netstat >"$OUT/.nrcv" 2>/dev/null && mv "$OUT/.nrcv" "$OUT/netstat-rcv.txt"; sleep 1; done) &\n`;
  }
  capture += 'sleep 1\n';
  if (RECEIVER) {
    // both iperf3 ends under the shim, which times their reads and writes (CCLAB_SHIM_IOLOG)
    const server = '"$IP" netns exec "$NS_RCV" iperf3 -s';
    const client = 'CCLAB_SHIM_LOG="$OUT/shim-0.log"';
    if (!plan.includes(server) || !plan.includes(client)) throw new Error('plan layout changed: no iperf3 server or client line');
    const fifo = RECEIVER_FIFO ? ' CCLAB_SHIM_FIFO=10' : '';
    plan = plan.replace(server, `"$IP" netns exec "$NS_RCV" env LD_PRELOAD="$SHIM" CCLAB_SHIM_IOLOG="$OUT/io-server.txt"${fifo} iperf3 -s`);
    plan = plan.replace(client, `${client} CCLAB_SHIM_IOLOG="$OUT/io-client.txt"`);
  }
  if (!plan.includes('# --- samplers')) throw new Error('plan layout changed: no "# --- samplers" line');
  plan = plan.replace('# --- samplers', `${capture}# --- samplers`);
  const [out] = await target.runBatch([plan], { timeoutsS: [planTimeoutS(resolved) + 10], log: (l) => process.stderr.write(`${l}\n`) });
  if (!out || out.rc !== 0) throw new Error(`kernel run failed (rc ${out?.rc}): ${String(out?.files['plan.log'] ?? '').slice(0, 300)}`);
  if (KEEP_DIR) {
    // the raw files, for a closer look (--keep <dir>)
    const dir = join(KEEP_DIR, `run-${++keptRuns}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, data] of Object.entries(out.files)) if (!name.includes('/')) writeFileSync(join(dir, name), data);
  }
  // the flow's mean smoothed RTT after slow start, from cclab_sampler's samples
  const rtts = String(out.files['samples.txt'] ?? '')
    .split('\n')
    .filter((l) => l.startsWith('tcp ') && l.includes('state=1'))
    .map((l) => ({ t: Number(/ t=([\d.]+)/.exec(l)?.[1]), rtt: Number(/ rtt_us=(\d+)/.exec(l)?.[1]) }));
  const late = rtts.filter((x) => x.t - rtts[0].t >= SKIP_S);
  const srttMs = late.reduce((a, x) => a + x.rtt, 0) / late.length / 1000;
  const pcap = out.files['acks.pcap'];
  if (!pcap) throw new Error(`no acks.pcap: ${String(out.files['tcpdump.err'] ?? '')}`);
  const buf = Buffer.isBuffer(pcap) ? pcap : Buffer.from(pcap, 'binary');
  const rcv = out.files['rcv.pcap'];
  const reads = RECEIVER ? parseIo(String(out.files['io-server.txt'] ?? ''), 'read') : [];
  const writes = RECEIVER ? parseIo(String(out.files['io-client.txt'] ?? ''), 'write') : [];
  return {
    srttMs,
    acks: pcapAcks(buf, resolved.flows[0].mss),
    receiver: RECEIVER && rcv ? receiverStalls(Buffer.isBuffer(rcv) ? rcv : Buffer.from(rcv, 'binary'), resolved.flows[0].mss, reads, writes) : null,
  };
}

const RECEIVER = process.argv.includes('--receiver') || process.argv.includes('--receiver-fifo');
const RECEIVER_FIFO = process.argv.includes('--receiver-fifo');
const keepAt = process.argv.indexOf('--keep');
const KEEP_DIR = keepAt > 0 ? process.argv[keepAt + 1] : null;
let keptRuns = 0;
const runs = Number(process.argv.slice(2).find((a, i, all) => /^\d+$/.test(a) && all[i - 1] !== '--keep' && all[i - 1] !== '--sim-set') ?? 3);
const { resolved } = loadScenario(SCENARIO);
const tau = packetTimeUs(resolved);
console.log(`scenario ${SCENARIO}: ${resolved.link.rateBps / 1e6} Mbit/s, RTT ${resolved.link.rttNs / 1e6} ms, ${resolved.flows[0].cc}; packet time ${tau.toFixed(2)} µs`);
console.log('simulator (estimator check):');
for (const hj of ['0us', '20us', '50us', '100us']) {
  const r = loadScenario(SCENARIO, [`link.hostJitter=${hj}`]).resolved;
  report(`hostJitter ${hj.padStart(5)}`, simAcks(r), tau, r);
}
const simSets = process.argv.flatMap((a, i, all) => (all[i - 1] === '--sim-set' ? [a] : []));
if (simSets.length > 0) {
  // the simulator with the given settings (e.g. the receiver stalls measured below)
  for (const seed of [1, 2, 3]) {
    const r = loadScenario(SCENARIO, [...simSets, `seed=${seed}`]).resolved;
    report(`with ${simSets.join(' ')} (seed ${seed})`, simAcks(r), tau, r);
  }
}
if (runs > 0) console.log('kernel (test VM):');
const pooled = [];
for (let i = 0; i < runs; i++) {
  const k = await kernelAcks(resolved);
  pooled.push(...report(`run ${i + 1} (mean srtt ${k.srttMs.toFixed(2)} ms)`, k.acks, tau, resolved));
  if (k.receiver) {
    const r = k.receiver;
    console.log(
      `    receiver: ${r.n} ACKs covering >= 4 segments, median interval ${(r.periodUs / 1000).toFixed(0)} ms; no ACK left for ${(r.stallUs / 1000).toFixed(2)} ms before each ` +
        `while data arrived every ${r.spacingUs.toFixed(0)} µs (the link's packet time is ${tau.toFixed(0)} µs)`,
    );
    const a = r.app;
    if (a) {
      console.log(
        `    iperf3 server: ${a.readsPerSecond.toFixed(0)} reads/s, ${a.latencyP50} µs from arrival to read (p99 ${a.latencyP99} µs); ` +
          `blackouts (data waiting > ${BLACKOUT_US} µs): ${a.blackoutsPerSecond.toFixed(1)}/s, length deciles ${a.blackoutDeciles.join(' ')} µs`,
      );
      console.log(
        `    ${r.n ? a.stallsEndingBlackout : 0} of ${r.n} stretch ACKs left as a blackout ended; ${a.blackoutsInWrite} of ${a.blackouts} blackouts overlap a write() of the sender ` +
          `(${a.writesPerSecond.toFixed(0)} writes/s of ${a.writeBytesP50} B, ${a.writeDurP50} µs median, p99 ${a.writeDurP99} µs)`,
      );
    }
  }
}
if (pooled.length > 0) {
  // the pooled quantiles, as a simulator setting (e.g. a reference tree's testbed.yaml); the
  // largest quantile measured stands for 100%: beyond it the estimate is not reliable
  pooled.sort((x, y) => x - y);
  const q = (p) => atQuantile(pooled, p);
  const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(1)}ms` : `${Math.round(us)}us`);
  const parts = LATENESS_QUANTILES.slice(0, -1).map((p) => `"${p * 100}%": ${fmt(q(p))}`);
  parts.push(`"100%": ${fmt(q(LATENESS_QUANTILES.at(-1)))}`);
  console.log(`pooled over ${runs} runs (${pooled.length} ACKs):\n  ackJitter: {${parts.join(', ')}}`);
}
