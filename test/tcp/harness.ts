/**
 * A sender on a test bench: a TcpSender with the simulator's clock and
 * timers but no network. The harness completes the handshake, records every
 * segment the sender emits, and lets a test hand it ACKs built from
 * cumulative ACK, SACK and D-SACK blocks and a timestamp echo — the way
 * smoltcp's socket tests drive a socket with hand-made segments. Time moves
 * only when the test says so (advance), so the RTO, the tail loss probe,
 * RACK's reordering timer and the pacing timer fire exactly when due.
 *
 * Sequence numbers count segments, as in the sender: segment i carries
 * bytes [i * mss, (i + 1) * mss).
 */
import { Simulator } from '../../src/engine/sim.js';
import { MAX_SACK_BLOCKS, PacketPool, type Packet } from '../../src/network/packet.js';
import { createReno } from '../../src/cc/reno.js';
import { TcpSender } from '../../src/tcp/sender.js';
import type { StateKind } from '../../src/tcp/sock.js';
import type { CongestionOps } from '../../src/tcp/types.js';
import { CA_STATE_NAMES } from '../../src/tcp/types.js';

export const MSS = 1448;
/** One jiffy at HZ=250, ms: the resolution of every TCP timer. */
export const JIFFY_MS = 4;

/** One data segment as it left the sender. */
export interface SentSegment {
  seg: number;
  /** When it left, ns. */
  atNs: number;
  /** A segment below the highest one sent before it: a retransmission (or a loss probe's). */
  retrans: boolean;
  psh: boolean;
  /** Its TCP timestamp (the sender's ms clock), for the ACK's echo. */
  tsVal: number;
  /** The IP header's ECN field (ECN.NOT_ECT, ECN.ECT_0, ...). */
  ecn: number;
  /** The CWR flag. */
  cwr: boolean;
}

export interface HarnessOptions {
  /** Congestion control (default Reno: its window arithmetic is easy to follow by hand). */
  cc?: CongestionOps;
  /** Application bytes; null = bulk (default). */
  bytes?: number | null;
  /** Handshake round trip, ms: the first RTT sample (default 10). */
  rttMs?: number;
  /** The receiver's window, bytes (default 64 MB: never the limit). */
  rwnd?: number;
  /** Paced by fq (default: unpaced, so segments leave as cwnd allows). */
  fq?: boolean;
  /** The flow asks for ECN (net.ipv4.tcp_ecn = 1; default off). */
  ecn?: boolean;
  /** The SYN-ACK agrees to ECN (ECE); default: when the SYN asked for it. */
  synAckEce?: boolean;
}

/** A change of the congestion state or CC mode, as the sender logged it. */
export interface Transition {
  atMs: number;
  kind: StateKind;
  from: string;
  to: string;
}

/** An ACK as the receiver would send it. */
export interface AckSpec {
  /** Cumulative ACK: the next segment expected. */
  ack: number;
  /** SACK blocks [start, end) in segments, most recent first (at most 3 with a D-SACK, as Linux sends). */
  sack?: [number, number][];
  /** A D-SACK block: a duplicate segment range (sent first, as RFC 2883 asks). */
  dsack?: [number, number];
  /**
   * Timestamp echo (TSecr). Default: the timestamp of the last transmission
   * of segment ack - 1, which is what a Linux receiver echoes (ts_recent of
   * the segment that last advanced rcv_nxt); 0 = no timestamp.
   */
  tsEcr?: number;
  /** Receive window, bytes (default the harness's rwnd). */
  wnd?: number;
  /** The ECE flag (ECN echo). */
  ece?: boolean;
}

export class SenderHarness {
  readonly sim = new Simulator();
  readonly pool = new PacketPool();
  readonly tp: TcpSender;
  /** Every data segment sent, in order. */
  readonly sent: SentSegment[] = [];
  /** SYNs sent (1 + retransmissions). */
  syns = 0;
  /** The ECN flags and field of each SYN sent. */
  readonly synFlags: { ece: boolean; cwr: boolean; ecn: number }[] = [];
  private readonly synAckEce: boolean | undefined;
  /** Every change of the congestion state and CC mode the sender logged, in order. */
  readonly transitions: Transition[] = [];
  private readonly rwnd: number;
  private readonly rttNs: number;
  private nextNew = 0;
  private readonly lastTsVal = new Map<number, number>();

  constructor(opts: HarnessOptions = {}) {
    this.rwnd = opts.rwnd ?? 64 << 20;
    this.rttNs = (opts.rttMs ?? 10) * 1e6;
    this.tp = new TcpSender(this.sim, this.pool, opts.cc ?? createReno(), {
      flow: 0,
      mss: MSS,
      bytes: opts.bytes === undefined ? null : opts.bytes,
      startNs: 0,
      stopNs: 0,
      fqPacing: opts.fq ?? false,
      timerSlackNs: 0,
      ecn: opts.ecn ?? false,
      seed: 1,
    });
    this.synAckEce = opts.synAckEce;
    this.tp.out = { receive: (p: Packet) => this.capture(p) };
    this.tp.stateLog = {
      record: (timeNs, _flow, kind, from, to) => this.transitions.push({ atMs: timeNs / 1e6, kind, from, to }),
    };
  }

  /** Now, ns. */
  get now(): number {
    return this.sim.now;
  }

  /** The CA-state changes so far as "from>to@ms". */
  get caChanges(): string[] {
    return this.transitions.filter((t) => t.kind === 'ca_state').map((t) => `${t.from}>${t.to}@${t.atMs}`);
  }

  /** The congestion state's name (Open, Disorder, CWR, Recovery, Loss). */
  get state(): string {
    return CA_STATE_NAMES[this.tp.caState];
  }

  private capture(p: Packet): void {
    if (p.seg === -1) {
      this.syns++;
      this.synFlags.push({ ece: p.ece, cwr: p.cwr, ecn: p.ecn });
    } else {
      this.sent.push({ seg: p.seg, atNs: this.sim.now, retrans: p.seg < this.nextNew, psh: p.psh, tsVal: p.tsVal, ecn: p.ecn, cwr: p.cwr });
      if (p.seg >= this.nextNew) this.nextNew = p.seg + 1;
      this.lastTsVal.set(p.seg, p.tsVal);
    }
    this.pool.release(p);
  }

  /** Send the SYN at time 0 and answer it one handshake RTT later; the initial window leaves then. */
  handshake(): this {
    this.sim.run(0);
    this.sim.run(this.rttNs);
    const synAck = this.pool.ack(0, 0, this.tsNow(), 1, this.rwnd);
    synAck.seg = -1;
    const syn = this.synFlags[this.synFlags.length - 1];
    synAck.ece = this.synAckEce ?? (syn !== undefined && syn.ece && syn.cwr);
    this.tp.receive(synAck);
    return this;
  }

  /** Let `ms` of time pass: due timers fire. */
  advance(ms: number): this {
    this.sim.run(this.sim.now + Math.round(ms * 1e6));
    return this;
  }

  /** Deliver an ACK now. */
  ack(spec: AckSpec): this {
    const tsEcr = spec.tsEcr ?? (spec.ack > 0 ? (this.lastTsVal.get(spec.ack - 1) ?? 0) : 0);
    const p = this.pool.ack(0, spec.ack, this.tsNow(), tsEcr, spec.wnd ?? this.rwnd);
    let n = 0;
    if (spec.dsack) {
      p.sack[0] = spec.dsack[0];
      p.sack[1] = spec.dsack[1];
      p.dsack = true;
      n = 1;
    }
    for (const [s, e] of spec.sack ?? []) {
      if (n >= MAX_SACK_BLOCKS) throw new Error(`at most ${MAX_SACK_BLOCKS} SACK blocks per ACK`);
      p.sack[2 * n] = s;
      p.sack[2 * n + 1] = e;
      n++;
    }
    p.nSack = n;
    p.ece = spec.ece ?? false;
    this.tp.receive(p);
    return this;
  }

  /** Timestamp (TSval) of the last transmission of `seg`. */
  tsValOf(seg: number): number {
    const ts = this.lastTsVal.get(seg);
    if (ts === undefined) throw new Error(`segment ${seg} was never sent`);
    return ts;
  }

  /** Segments sent since index `from` of `sent` (to see what one event sent). */
  sentSince(from: number): SentSegment[] {
    return this.sent.slice(from);
  }

  /** Retransmissions so far, in order. */
  get retransmissions(): SentSegment[] {
    return this.sent.filter((s) => s.retrans);
  }

  /** Highest segment sent + 1 (snd_nxt). */
  get sndNxt(): number {
    return this.nextNew;
  }

  private tsNow(): number {
    return Math.floor(this.sim.now / 1e6) + 1;
  }
}
