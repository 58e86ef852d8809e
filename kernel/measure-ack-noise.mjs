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
 * --receiver also captures on the receiver's interface and reports, for each
 * ACK that covers 4 or more segments, how long no ACK left the receiver and
 * how the data arrived meanwhile (on time, or in a burst).
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
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
  console.log(
    `  ${label}: noise J ${e.jitterUs.toFixed(1)} µs (${e.gaps} gaps); ACKs covering >= 4 segments ${(100 * b.bigShare).toFixed(2)}%; ` +
      `delivery rate over ~1 RTT vs the link: p99 ${pct(b.p99)}`,
  );
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

/** Receiver side: each ACK covering >= 4 segments, how long no ACK left before it, and the data spacing meanwhile. */
function receiverStalls(buf, mss) {
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
  const med = (xs) => xs.filter(Number.isFinite).sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const periods = stalls.slice(1).map((x, i) => x.tUs - stalls[i].tUs);
  return { n: stalls.length, stallUs: med(stalls.map((x) => x.stallUs)), spacingUs: med(stalls.map((x) => x.spacingUs)), periodUs: med(periods) };
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
  if (RECEIVER) capture += `"$IP" netns exec "$NS_RCV" timeout ${secs} tcpdump -Z root -i veth0 -n -s 66 -w "$OUT/rcv.pcap" tcp 2>"$OUT/tcpdump-rcv.err" &\n`;
  capture += 'sleep 1\n';
  if (!plan.includes('# --- samplers')) throw new Error('plan layout changed: no "# --- samplers" line');
  plan = plan.replace('# --- samplers', `${capture}# --- samplers`);
  const [out] = await target.runBatch([plan], { timeoutsS: [planTimeoutS(resolved) + 10], log: (l) => process.stderr.write(`${l}\n`) });
  if (!out || out.rc !== 0) throw new Error(`kernel run failed (rc ${out?.rc}): ${String(out?.files['plan.log'] ?? '').slice(0, 300)}`);
  const pcap = out.files['acks.pcap'];
  if (!pcap) throw new Error(`no acks.pcap: ${String(out.files['tcpdump.err'] ?? '')}`);
  const buf = Buffer.isBuffer(pcap) ? pcap : Buffer.from(pcap, 'binary');
  const rcv = out.files['rcv.pcap'];
  return { acks: pcapAcks(buf, resolved.flows[0].mss), receiver: RECEIVER && rcv ? receiverStalls(Buffer.isBuffer(rcv) ? rcv : Buffer.from(rcv, 'binary'), resolved.flows[0].mss) : null };
}

const RECEIVER = process.argv.includes('--receiver');
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
const { resolved } = loadScenario(SCENARIO);
const tau = packetTimeUs(resolved);
console.log(`scenario ${SCENARIO}: ${resolved.link.rateBps / 1e6} Mbit/s, RTT ${resolved.link.rttNs / 1e6} ms, ${resolved.flows[0].cc}; packet time ${tau.toFixed(2)} µs`);
console.log('simulator (estimator check):');
for (const hj of ['0us', '20us', '50us', '100us']) {
  const r = loadScenario(SCENARIO, [`link.hostJitter=${hj}`]).resolved;
  report(`hostJitter ${hj.padStart(5)}`, simAcks(r), tau, r);
}
console.log('kernel (test VM):');
for (let i = 0; i < runs; i++) {
  const k = await kernelAcks(resolved);
  report(`run ${i + 1}`, k.acks, tau, resolved);
  if (k.receiver) {
    const r = k.receiver;
    console.log(
      `    receiver: ${r.n} ACKs covering >= 4 segments, median interval ${(r.periodUs / 1000).toFixed(0)} ms; no ACK left for ${(r.stallUs / 1000).toFixed(2)} ms before each ` +
        `while data arrived every ${r.spacingUs.toFixed(0)} µs (the link's packet time is ${tau.toFixed(0)} µs)`,
    );
  }
}
