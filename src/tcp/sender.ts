/**
 * The TCP sender, following Linux 6.1 (net/ipv4/tcp_input.c, tcp_output.c,
 * tcp_timer.c, tcp_recovery.c, tcp_rate.c).
 *
 * Model in plain words. The application (an iperf3-like bulk writer, or a
 * fixed number of bytes) always has the next segment ready. A segment may go
 * out when fewer than cwnd packets are in flight and, for a paced socket,
 * when the pacing clock allows. Every ACK is processed as tcp_ack() does:
 *   1. move snd_una and tag SACKed segments (SACK scoreboard, D-SACK);
 *   2. take RTT samples (srtt/rttvar/RTO, windowed min RTT) and the
 *      delivery-rate sample (rate.ts);
 *   3. run the loss state machine (Open/Disorder/Recovery/Loss): RACK marks
 *      segments lost by time, PRR paces the cwnd reduction for algorithms
 *      without cong_control, undo on spurious retransmissions;
 *   4. let the congestion control act (cong_control, or cong_avoid / PRR);
 *   5. retransmit lost segments, then send new data.
 * One retransmission timer serves RTO, the tail loss probe and RACK's
 * reordering timeout, on the jiffies clock as in Linux.
 *
 * Sequence numbers count segments (every packet carries one MSS), so "seq"
 * and "end_seq" of segment i are i and i+1. Linux TCP always builds GSO
 * skbs, which the device (or software GSO, with GSO off on the device, as in
 * cclab's kernel harness) cuts into packets that leave back to back: a paced
 * socket sends one skb of tcp_tso_segs() segments, about 1 ms of its pacing
 * rate, per pacing slot; an unpaced one sends skbs of up to that size as
 * cwnd allows (Linux may also hold an unpaced skb back until a bigger one
 * fits, tcp_tso_should_defer; not modelled). The last segment of an skb of
 * two or more carries PSH, which the receiver ACKs on read (receiver.ts);
 * retransmissions leave one segment at a time, without it.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import { Rng } from '../engine/rng.js';
import type { Packet, PacketPool, PacketSink } from '../network/packet.js';
import {
  JIFFY_NS,
  TCP_CWND_CLAMP_DEFAULT,
  TCP_FASTRETRANS_THRESH,
  TCP_INFINITE_SSTHRESH,
  TCP_INIT_CWND,
  TCP_RTO_MAX_JIFFIES,
  TCP_TIMEOUT_INIT_JIFFIES,
  HZ,
  jiffiesToUsecs,
} from './constants.js';
import { MinMax } from './minmax.js';
import { ackUpdateRtt } from './rtt.js';
import { enterLoss, fastretransAlert, processTlpAck, rackReoTimeout } from './recovery.js';
import { cwndReduction } from './prr.js';
import { checkSackReordering, highestSackSeq, rackAdvance, rackUpdateReoWnd } from './rack.js';
import {
  inCwndReduction,
  tsoptEcrBefore,
  mstampRefresh,
  SenderStats,
} from './sock.js';
import {
  pacingTimerFired,
  tsoSegs,
  retransmitSkb,
  sendLossProbe,
  sendSyn,
  segLen,
  updatePacingRate,
  writeXmit,
  xmitRecovery,
} from './output.js';
import { clearXmitTimer, resetXmitTimerRaw, setXmitTimer } from './xmit_timer.js';
import { rateGen, rateSkbDelivered, type RateState } from './rate.js';
import {
  Scoreboard,
  TCPCB_LOST,
  TCPCB_RETRANS,
  TCPCB_SACKED_ACKED,
  TCPCB_SACKED_RETRANS,
} from './scoreboard.js';
import {
  CA_ACK_SLOWPATH,
  CA_ACK_WIN_UPDATE,
  CA_LOSS,
  CA_OPEN,
  RateSample,
  type AckSample,
  type CaState,
  type CongestionOps,
  type TcpSock,
} from './types.js';
import {
  FLAG_ACKED,
  FLAG_ACK_MAYBE_DELAYED,
  FLAG_CA_ALERT,
  FLAG_DATA_ACKED,
  FLAG_DATA_SACKED,
  FLAG_DSACKING_ACK,
  FLAG_DSACK_TLP,
  FLAG_FORWARD_PROGRESS,
  FLAG_NOT_DUP,
  FLAG_ORIG_SACK_ACKED,
  FLAG_RETRANS_DATA_ACKED,
  FLAG_SET_XMIT_TIMER,
  FLAG_SLOWPATH,
  FLAG_SND_UNA_ADVANCED,
  FLAG_SYN_ACKED,
  FLAG_WIN_UPDATE,
  Push,
  Rexmit,
  SkPacing,
  XmitTimer,
} from './sock.js';

export interface SenderOptions {
  flow: number;
  mss: number;
  /** Application bytes to send; null = unlimited (bulk). */
  bytes: number | null;
  startNs: number;
  stopNs: number;
  /** fq on the sending host: pace every flow at sk_pacing_rate. */
  fqPacing: boolean;
  /**
   * Timing noise of the sending host: the pacing timer (a soft hrtimer,
   * run from softirq) fires up to this much after its deadline, ns.
   */
  timerSlackNs?: number;
  seed: number;
}

export class TcpSender implements TcpSock, RateState {
  readonly flow: number;
  readonly mss: number;
  readonly stats = new SenderStats();
  /** Where packets go (the sender's access link). */
  out!: PacketSink;

  // ---------------- application ----------------
  /** Total segments the application will write (Infinity for bulk until stop). */
  writeSegs: number;
  readonly lastSegLen: number;
  /** The receiver's advertised window (snd_wnd), bytes: snd_nxt may not pass snd_una + this. */
  sndWnd = 0;
  /** Timestamp of the peer to echo (ts_recent), its ms clock. */
  tsRecent = 0;
  stopped = false;
  established = false;
  finished = false;
  completionNs = -1;

  // ---------------- sequence state (segments) ----------------
  sndUna = 0;
  sndNxt = 0;
  sackedOut = 0;
  lostOut = 0;
  retransOut = 0;
  readonly sb = new Scoreboard(1024);

  // ---------------- congestion window ----------------
  sndCwnd = TCP_INIT_CWND;
  sndSsthresh = TCP_INFINITE_SSTHRESH;
  sndCwndCnt = 0;
  sndCwndClamp = TCP_CWND_CLAMP_DEFAULT;
  priorCwnd = 0;
  priorSsthresh = 0;
  sndCwndStamp = 0;
  sndCwndUsed = 0;
  isCwndLimitedFlag = false;
  maxPacketsOut = 0;
  cwndUsageSeq = 0;

  // ---------------- loss recovery ----------------
  caState: CaState = CA_OPEN;
  highSeq = 0;
  undoMarker = 0;
  undoRetrans = 0;
  /** TS (ms clock) of the first retransmission of this episode; 0 = none. */
  retransStamp = 0;
  prrDelivered = 0;
  prrOut = 0;
  reordering = TCP_FASTRETRANS_THRESH;
  reordSeen = 0;
  frto = false;
  tlpHighSeq = 0;
  tlpRetrans = false;
  isSackReneg = false;
  highestSackEnd = 0;
  /** Lowest segment that may need retransmitting (retransmit_skb_hint), -1 = none. */
  rtxHint = -1;
  totalRetrans = 0;
  dsackDups = 0;
  sackCache: number[] = [];

  // RACK
  rackMstamp = 0;
  rackEndSeq = 0;
  rackRttUs = 0;
  rackAdvanced = false;
  rackReoWndSteps = 1;
  rackDsackSeen = false;
  rackLastDelivered = 0;
  rackReoWndPersist = 0;

  // ---------------- RTT and RTO ----------------
  srttUs8 = 0;
  mdevUs = jiffiesToUsecs(TCP_TIMEOUT_INIT_JIFFIES);
  mdevMaxUs = 0;
  rttvarUs = 0;
  rttSeq = 0;
  rtoJiffies = TCP_TIMEOUT_INIT_JIFFIES;
  backoff = 0;
  retransmits = 0;
  readonly rttMin = new MinMax();
  /** Timestamp echo of the ACK being processed (rx_opt.rcv_tsecr), ms clock; 0 = none. */
  rcvTsecr = 0;

  // ---------------- delivery rate ----------------
  delivered = 0;
  deliveredMstamp = 0;
  firstTxMstamp = 0;
  appLimited = -1;
  rateDelivered = 0;
  rateIntervalUs = 0;
  rateAppLimited = true;
  lost = 0;

  // ---------------- pacing ----------------
  pacingRate = 0;
  maxPacingRate = Number.MAX_SAFE_INTEGER;
  pacingStatus = SkPacing.None;
  wstampNs = 0;
  dataSegsOut = 0;
  /** Last data transmission, jiffies (tp->lsndtime). */
  lsndtime = 0;

  // ---------------- clocks ----------------
  /** tcp_clock_cache (ns) and tcp_mstamp (us) as of the current event. */
  clockNs = 0;
  mstampUs = 0;

  // ---------------- timers ----------------
  pending = XmitTimer.None;
  timeoutJiffies = 0;
  readonly xmitTimer: Timer;
  readonly pacingTimer: Timer;
  readonly startTimer: Timer;
  readonly stopTimer: Timer;
  synSentNs = 0;
  synRetries = 0;

  // ---------------- per-ACK scratch ----------------
  readonly rs = new RateSample();
  /** Reused struct ack_sample for pkts_acked (no allocation per ACK). */
  readonly ackSample: AckSample = { pktsAcked: 0, rttUs: 0, inFlight: 0 };
  ackFlag = 0;
  rexmit = Rexmit.None;
  firstSackt = 0;
  lastSackt = 0;
  sackReord = 0;
  sackDelivered = 0;

  readonly rng: Rng;
  readonly slackRng: Rng;
  readonly timerSlackNs: number;
  /** Set when the receive window stopped a transmission (for inspection). */
  rwndLimited = false;

  constructor(
    readonly sim: Simulator,
    readonly pool: PacketPool,
    readonly ca: CongestionOps,
    opts: SenderOptions,
  ) {
    this.flow = opts.flow;
    this.mss = opts.mss;
    if (opts.bytes === null) {
      this.writeSegs = Number.POSITIVE_INFINITY;
      this.lastSegLen = opts.mss;
    } else {
      this.writeSegs = Math.ceil(opts.bytes / opts.mss);
      this.lastSegLen = opts.bytes - (this.writeSegs - 1) * opts.mss;
    }
    this.rng = new Rng(opts.seed, `cc/flow${opts.flow}`);
    this.slackRng = new Rng(opts.seed, `host/sender/flow${opts.flow}`);
    this.timerSlackNs = opts.timerSlackNs ?? 0;
    this.rttMin.reset(0, 0xffffffff);
    this.xmitTimer = sim.timer(() => this.onXmitTimer());
    this.pacingTimer = sim.timer(() => {
      mstampRefresh(this);
      pacingTimerFired(this);
    });
    this.startTimer = sim.timer(() => this.connect());
    this.stopTimer = sim.timer(() => this.stop());
    if (opts.fqPacing) this.pacingStatus = SkPacing.Fq;
    this.startTimer.at(opts.startNs);
    if (opts.stopNs > opts.startNs) this.stopTimer.at(opts.stopNs);
  }

  // =====================================================================
  // TcpSock view for congestion control
  // =====================================================================

  get packetsOut(): number {
    return this.sndNxt - this.sndUna;
  }

  get minRttUs(): number {
    return this.rttMin.get();
  }

  get jiffies(): number {
    return Math.floor(this.sim.now / JIFFY_NS);
  }

  get tcpClockCacheNs(): number {
    return this.clockNs;
  }

  get tcpWstampNs(): number {
    return this.wstampNs;
  }

  /** tcp_packets_in_flight(). */
  packetsInFlight(): number {
    return this.sndNxt - this.sndUna - (this.sackedOut + this.lostOut) + this.retransOut;
  }

  inSlowStart(): boolean {
    return this.sndCwnd < this.sndSsthresh;
  }

  isCwndLimited(): boolean {
    if (this.isCwndLimitedFlag) return true;
    if (this.inSlowStart()) return this.sndCwnd < 2 * this.maxPacketsOut;
    return false;
  }

  randomU32(): number {
    return this.rng.nextU32();
  }

  /** Smoothed RTT in microseconds (srtt_us >> 3). */
  get srttUs(): number {
    return this.srttUs8 / 8;
  }

  // =====================================================================
  // connection start and stop (handshake, application)
  // =====================================================================

  private connect(): void {
    mstampRefresh(this);
    this.synSentNs = this.sim.now;
    sendSyn(this);
  }

  /** The SYN-ACK arrived: the RTT sample of the handshake, then tcp_init_transfer. */
  private onSynAck(p: Packet): void {
    if (this.established) return;
    mstampRefresh(this);
    this.established = true;
    clearXmitTimer(this);
    if (this.synRetries === 0) {
      const rttUs = this.mstampUs - Math.floor(this.synSentNs / 1000);
      ackUpdateRtt(this, FLAG_SYN_ACKED, rttUs, -1, rttUs, this.rs);
    } else {
      // Karn: no sample from a retransmitted SYN; Linux then falls back to 3 s initial cwnd rules we do not model
      this.rtoJiffies = TCP_TIMEOUT_INIT_JIFFIES;
    }
    this.sndWnd = p.wnd;
    this.tsRecent = p.tsVal;
    // tcp_ack() of the SYN-ACK: the SYN counts as delivered, and tcp_rate_gen() clears the
    // initial app_limited (~0U), so the first data window is not marked app-limited
    this.delivered = 1;
    this.deliveredMstamp = this.mstampUs;
    this.appLimited = 0;
    this.sndCwndStamp = this.jiffies;
    this.lsndtime = this.jiffies; // tcp_finish_connect()
    if (this.ca.needsPacing && this.pacingStatus === SkPacing.None) this.pacingStatus = SkPacing.Needed;
    if (this.ca.init !== undefined) this.ca.init(this);
    updatePacingRate(this);
    this.pool.release(p);
    if (this.stopped) return;
    writeXmit(this, Push.All);
  }

  /** The application stops writing (iperf3 -t elapsed). */
  private stop(): void {
    this.stopped = true;
    if (this.writeSegs > this.sndNxt) this.writeSegs = this.sndNxt;
  }

  // =====================================================================
  // receiving ACKs (tcp_ack)
  // =====================================================================

  receive(p: Packet): void {
    if (p.seg === -1 && p.isAck && !this.established) {
      this.onSynAck(p);
      return;
    }
    if (!this.established) {
      this.pool.release(p);
      return;
    }
    mstampRefresh(this);
    this.tcpAck(p);
    this.pool.release(p);
    // tcp_data_snd_check
    if (!this.finished) writeXmit(this, Push.All);
    if (this.writeSegs !== Number.POSITIVE_INFINITY && this.sndUna >= this.writeSegs && this.completionNs < 0) {
      this.completionNs = this.sim.now;
      this.finished = true;
      clearXmitTimer(this);
      this.pacingTimer.cancel();
    }
  }

  private tcpAck(p: Packet): void {
    const ack = p.ackSeg;
    const rs = this.rs;
    rs.reset();
    const priorSndUna = this.sndUna;
    const isSackReneg = this.isSackReneg;
    let numDupack = 0;
    const priorPackets = this.packetsOut;
    const deliveredBefore = this.delivered;
    const lostBefore = this.lost;
    this.rexmit = Rexmit.None;
    this.firstSackt = 0;
    this.lastSackt = 0;
    this.sackDelivered = 0;
    let flag = 0;

    if (ack < priorSndUna) {
      // old ACK: may still carry SACK information
      this.rcvTsecr = p.tsEcr;
      this.tsRecent = p.tsVal;
      if (p.nSack > 0) {
        this.ackFlag = this.sacktagWriteQueue(p, priorSndUna);
        fastretransAlert(this, priorSndUna, numDupack);
        xmitRecovery(this, this.rexmit);
      }
      return;
    }
    if (ack > this.sndNxt) return;

    if (ack > priorSndUna) {
      flag |= FLAG_SND_UNA_ADVANCED;
      this.retransmits = 0;
    }
    const priorFack = highestSackSeq(this);
    rs.priorInFlight = this.packetsInFlight();
    this.rcvTsecr = p.tsEcr;
    this.tsRecent = p.tsVal; // tcp_replace_ts_recent(): a pure ACK is always in sequence
    // tcp_ack_update_window(): a new window comes with an advancing ACK, or when it grows
    if (ack > priorSndUna || p.wnd > this.sndWnd) this.sndWnd = p.wnd;

    if (p.nSack === 0 && ack > priorSndUna) {
      // fast path: pure forward advance
      this.sndUna = ack;
      flag |= FLAG_WIN_UPDATE;
    } else {
      flag |= FLAG_SLOWPATH;
      if (ack > priorSndUna) flag |= FLAG_WIN_UPDATE;
      this.sndUna = ack;
      if (p.nSack > 0) flag |= this.sacktagWriteQueue(p, priorSndUna);
      if (this.sackDelivered > 0) this.delivered += this.sackDelivered;
    }

    if (priorPackets === 0) {
      // no_queue
      this.inAckEvent(flag);
      if (flag & FLAG_DSACKING_ACK) {
        this.ackFlag = flag;
        fastretransAlert(this, priorSndUna, numDupack);
      }
      if (this.tlpHighSeq !== 0) processTlpAck(this, ack, flag);
      return;
    }

    flag |= this.cleanRtxQueue(priorFack, priorSndUna);
    rackUpdateReoWnd(this, rs);
    this.inAckEvent(flag);
    if (this.tlpHighSeq !== 0) processTlpAck(this, ack, flag);

    this.ackFlag = flag;
    if (!(flag & FLAG_NOT_DUP) || flag & FLAG_CA_ALERT || this.caState !== CA_OPEN) {
      if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK))) numDupack = 1;
      fastretransAlert(this, priorSndUna, numDupack);
    }
    flag = this.ackFlag;

    if (flag & FLAG_SET_XMIT_TIMER) setXmitTimer(this);

    const delivered = this.delivered - deliveredBefore;
    const lostNow = this.lost - lostBefore;
    rs.isAckDelayed = (flag & FLAG_ACK_MAYBE_DELAYED) !== 0;
    rateGen(this, delivered, lostNow, isSackReneg, rs);
    if (rs.rttUs >= 0) this.stats.rttUs.record(rs.rttUs);
    this.congControl(ack, delivered, flag, rs);
    xmitRecovery(this, this.rexmit);
  }

  private inAckEvent(flag: number): void {
    if (this.ca.inAckEvent === undefined) return;
    let ev = 0;
    if (flag & FLAG_WIN_UPDATE) ev |= CA_ACK_WIN_UPDATE;
    if (flag & FLAG_SLOWPATH) ev |= CA_ACK_SLOWPATH;
    this.ca.inAckEvent(this, ev);
  }

  // ---------------------------------------------------------------------
  // SACK scoreboard (tcp_sacktag_write_queue, tcp_sacktag_one)
  // ---------------------------------------------------------------------

  private sacktagWriteQueue(p: Packet, priorSndUna: number): number {
    let stateFlag = 0;
    this.sackReord = this.sndNxt;
    if (this.sackedOut === 0) this.highestSackEnd = this.sndUna;

    // D-SACK detection (tcp_check_dsack)
    const s0 = p.sack[0]!;
    const e0 = p.sack[1]!;
    let foundDup = false;
    if (s0 < p.ackSeg) foundDup = true;
    else if (p.nSack > 1) {
      const s1 = p.sack[2]!;
      const e1 = p.sack[3]!;
      if (!(e0 > e1 || s0 < s1)) foundDup = true;
    }
    if (foundDup) {
      const dupSegs = e0 - s0;
      if (dupSegs <= 0) foundDup = false;
      else {
        if (this.tlpHighSeq !== 0 && this.tlpHighSeq === e0 && dupSegs === 1) stateFlag |= FLAG_DSACK_TLP;
        this.dsackDups += dupSegs;
        if (this.dsackDups > this.totalRetrans) foundDup = false;
        else {
          if (this.reordSeen !== 0 && !(stateFlag & FLAG_DSACK_TLP)) this.rackDsackSeen = true;
          stateFlag |= FLAG_DSACKING_ACK;
          this.sackDelivered += dupSegs;
          if (this.undoMarker !== 0 && this.undoRetrans > 0 && e0 <= priorSndUna && e0 > this.undoMarker - 1) {
            this.undoRetrans = Math.max(0, this.undoRetrans - dupSegs);
          }
        }
      }
    }

    if (this.packetsOut === 0) return stateFlag;

    // collect valid blocks, sorted by start
    const blocks: number[] = [];
    for (let i = 0; i < p.nSack; i++) {
      let s = p.sack[2 * i]!;
      let e = p.sack[2 * i + 1]!;
      const dup = i === 0 && foundDup;
      if (e <= s || e > this.sndNxt) continue;
      if (e <= priorSndUna && !dup) continue;
      if (dup) {
        // D-SACK above snd_una: clear in-flight retransmission marks (tcp_sacktag_one dup path)
        for (let seg = Math.max(s, this.sndUna); seg < e; seg++) this.sacktagDup(seg);
        continue;
      }
      if (s < this.sndUna) s = this.sndUna;
      if (e > this.sndNxt) e = this.sndNxt;
      if (s < e) blocks.push(s, e);
    }
    // sort pairs by start (few blocks: insertion sort)
    for (let i = 2; i < blocks.length; i += 2) {
      const s = blocks[i]!;
      const e = blocks[i + 1]!;
      let j = i - 2;
      while (j >= 0 && blocks[j]! > s) {
        blocks[j + 2] = blocks[j]!;
        blocks[j + 3] = blocks[j + 1]!;
        j -= 2;
      }
      blocks[j + 2] = s;
      blocks[j + 3] = e;
    }

    // walk, skipping ranges the previous ACK's blocks already covered (recv_sack_cache)
    const cache = this.sackedOut > 0 ? this.sackCache : [];
    let c = 0;
    this.curSackFlag = 0;
    for (let i = 0; i < blocks.length; i += 2) {
      const s = blocks[i]!;
      const e = blocks[i + 1]!;
      while (c < cache.length && s >= cache[c + 1]!) c += 2;
      let cur = s;
      let k = c;
      while (k < cache.length && cache[k]! < e) {
        const cs = cache[k]!;
        const ce = cache[k + 1]!;
        if (cs > cur) this.sacktagRange(cur, cs);
        if (ce > cur) cur = ce;
        k += 2;
      }
      if (cur < e) this.sacktagRange(cur, e);
    }
    this.sackCache = blocks;
    stateFlag |= this.curSackFlag;

    if (this.caState !== CA_LOSS || this.undoMarker !== 0) checkSackReordering(this, this.sackReord);
    return stateFlag;
  }

  curSackFlag = 0;

  private sacktagRange(s: number, e: number): void {
    const sb = this.sb;
    for (let seg = s; seg < e; seg++) {
      if ((sb.flags[sb.slot(seg)]! & TCPCB_SACKED_ACKED) === 0) this.sacktagOne(seg);
    }
  }

  /** tcp_sacktag_one() for a segment newly covered by a (non-duplicate) SACK block. */
  private sacktagOne(seg: number): void {
    const sb = this.sb;
    const i = sb.slot(seg);
    let sacked = sb.flags[i]!;
    const txUs = sb.txUs[i]!;
    rackAdvance(this, sacked, seg + 1, txUs);
    if (sacked & TCPCB_SACKED_RETRANS) {
      if (sacked & TCPCB_LOST) {
        sacked &= ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
        this.lostOut--;
        this.retransOut--;
      }
    } else {
      if (!(sacked & TCPCB_RETRANS)) {
        if (seg < highestSackSeq(this) && seg < this.sackReord) this.sackReord = seg;
        if (seg + 1 <= this.highSeq) this.curSackFlag |= FLAG_ORIG_SACK_ACKED;
        if (this.firstSackt === 0) this.firstSackt = txUs;
        this.lastSackt = txUs;
      }
      if (sacked & TCPCB_LOST) {
        sacked &= ~TCPCB_LOST;
        this.lostOut--;
      }
    }
    sacked |= TCPCB_SACKED_ACKED;
    this.curSackFlag |= FLAG_DATA_SACKED;
    this.sackedOut++;
    this.sackDelivered++;
    sb.flags[i] = sacked;
    // SACKed segments leave the time-sorted list (tcp_sacktag_walk)
    sb.tsRemove(seg);
    if (seg + 1 > this.highestSackEnd) this.highestSackEnd = seg + 1;
    // the rate sample takes this segment's snapshot
    rateSkbDelivered(this, seg, this.rs);
  }

  /** D-SACK for a segment still in the queue: its retransmission was not needed. */
  private sacktagDup(seg: number): void {
    const sb = this.sb;
    const i = sb.slot(seg);
    const sacked = sb.flags[i]!;
    if (sacked & TCPCB_RETRANS && this.undoMarker !== 0 && this.undoRetrans > 0 && seg + 1 > this.undoMarker - 1) {
      this.undoRetrans = Math.max(0, this.undoRetrans - 1);
    }
    if (sacked & TCPCB_SACKED_RETRANS && !(sacked & TCPCB_SACKED_ACKED)) {
      sb.flags[i] = sacked & ~TCPCB_SACKED_RETRANS;
      this.retransOut--;
    }
  }

  // ---------------------------------------------------------------------
  // cumulative ACK (tcp_clean_rtx_queue)
  // ---------------------------------------------------------------------

  private cleanRtxQueue(priorFack: number, priorSndUna: number): number {
    const sb = this.sb;
    const rs = this.rs;
    const priorSacked = this.sackedOut;
    let reord = this.sndNxt;
    let firstAckt = 0;
    let lastAckt = 0;
    let seqRtt = -1;
    let caRtt = -1;
    let sackRtt = -1;
    let pktsAcked = 0;
    let ackedBytes = 0;
    let flag = 0;

    for (let seg = sb.base; seg < this.sndUna; seg++) {
      const i = sb.slot(seg);
      const sacked = sb.flags[i]!;
      if (sacked & TCPCB_RETRANS) {
        if (sacked & TCPCB_SACKED_RETRANS) this.retransOut--;
        flag |= FLAG_RETRANS_DATA_ACKED;
      } else if (!(sacked & TCPCB_SACKED_ACKED)) {
        lastAckt = sb.txUs[i]!;
        if (firstAckt === 0) firstAckt = lastAckt;
        if (seg < reord) reord = seg;
        if (seg + 1 <= this.highSeq) flag |= FLAG_ORIG_SACK_ACKED;
      }
      if (sacked & TCPCB_SACKED_ACKED) {
        this.sackedOut--;
      } else {
        this.delivered++;
        if (!this.skbSpuriousRetrans(sacked, sb.txUs[i]!)) rackAdvance(this, sacked, seg + 1, sb.txUs[i]!);
      }
      if (sacked & TCPCB_LOST) this.lostOut--;
      pktsAcked++;
      ackedBytes += segLen(this, seg);
      rateSkbDelivered(this, seg, rs);
      flag |= FLAG_DATA_ACKED;
      sb.tsRemove(seg);
      if (seg === this.rtxHint) this.rtxHint = -1;
    }
    sb.advanceBase(this.sndUna);
    if (this.rtxHint !== -1 && this.rtxHint < this.sndUna) this.rtxHint = -1;

    if (firstAckt !== 0 && !(flag & FLAG_RETRANS_DATA_ACKED)) {
      seqRtt = this.mstampUs - firstAckt;
      caRtt = this.mstampUs - lastAckt;
      if (
        pktsAcked === 1 &&
        priorSacked === 0 &&
        ackedBytes < this.mss &&
        rs.priorDelivered + 1 === this.delivered &&
        !(flag & (FLAG_CA_ALERT | FLAG_SYN_ACKED))
      ) {
        flag |= FLAG_ACK_MAYBE_DELAYED;
      }
    }
    if (this.firstSackt !== 0) {
      sackRtt = this.mstampUs - this.firstSackt;
      caRtt = this.mstampUs - this.lastSackt;
    }
    const rttUpdate = ackUpdateRtt(this, flag, seqRtt, sackRtt, caRtt, rs);

    if (flag & FLAG_ACKED) {
      flag |= FLAG_SET_XMIT_TIMER;
      if (reord < priorFack) checkSackReordering(this, reord);
    } else if (this.packetsOut > 0 && rttUpdate && sackRtt >= 0 && sackRtt > this.mstampUs - sb.txUs[sb.slot(this.sndUna)]!) {
      flag |= FLAG_SET_XMIT_TIMER;
    }

    if (this.ca.pktsAcked !== undefined) {
      const sample = this.ackSample;
      sample.pktsAcked = pktsAcked;
      sample.rttUs = rs.rttUs;
      sample.inFlight = this.mss * (this.delivered - rs.priorDelivered);
      this.ca.pktsAcked(this, sample);
    }
    void priorSndUna;
    return flag;
  }

  /** tcp_skb_spurious_retrans(): a retransmitted segment whose echo predates the retransmission. */
  private skbSpuriousRetrans(sacked: number, txUs: number): boolean {
    return (sacked & TCPCB_RETRANS) !== 0 && tsoptEcrBefore(this, Math.floor(txUs / 1000) + 1);
  }

  // ---------------------------------------------------------------------
  // RACK (tcp_recovery.c)
  // ---------------------------------------------------------------------

  // ---------------------------------------------------------------------
  // congestion control hooks (tcp_cong_control)
  // ---------------------------------------------------------------------

  private congControl(ack: number, ackedSacked: number, flag: number, rs: RateSample): void {
    const ca = this.ca;
    if (ca.congControl !== undefined) {
      ca.congControl(this, rs);
      return;
    }
    if (inCwndReduction(this)) {
      cwndReduction(this, ackedSacked, rs.losses, flag);
    } else {
      // tcp_may_raise_cwnd(): grow only on in-order delivery unless reordering is high
      const mayRaise =
        this.reordering > TCP_FASTRETRANS_THRESH ? (flag & FLAG_FORWARD_PROGRESS) !== 0 : (flag & FLAG_DATA_ACKED) !== 0;
      if (mayRaise && ca.congAvoid !== undefined) {
        ca.congAvoid(this, ack, ackedSacked);
        this.sndCwndStamp = this.jiffies;
      }
    }
    updatePacingRate(this);
  }

  // =====================================================================
  // sending (tcp_write_xmit, tcp_xmit_retransmit_queue, pacing)
  // =====================================================================

  /** tcp_tso_segs(): segments per skb now (see output.ts). */
  tsoSegs(): number {
    return tsoSegs(this);
  }

  // =====================================================================
  // the retransmission timer: RTO, tail loss probe, RACK reordering timeout
  // =====================================================================

  private onXmitTimer(): void {
    mstampRefresh(this);
    const event = this.pending;
    if (!this.established) {
      // SYN retransmission
      this.synRetries++;
      this.synSentNs = this.sim.now;
      sendSyn(this);
      return;
    }
    if (this.finished) {
      this.pending = XmitTimer.None;
      return;
    }
    switch (event) {
      case XmitTimer.ReoTimeout:
        rackReoTimeout(this);
        break;
      case XmitTimer.LossProbe:
        sendLossProbe(this);
        break;
      case XmitTimer.Retrans:
        this.pending = XmitTimer.None;
        this.retransmitTimer();
        break;
      default:
        break;
    }
  }

  /** tcp_retransmit_timer(): the RTO fired. */
  private retransmitTimer(): void {
    if (this.packetsOut === 0) return;
    this.stats.rtoCount++;
    this.stats.rtoTimesNs.push(this.sim.now);
    enterLoss(this);
    this.retransmits++;
    retransmitSkb(this, this.sndUna);
    this.backoff++;
    this.rtoJiffies = Math.min(this.rtoJiffies * 2, TCP_RTO_MAX_JIFFIES);
    resetXmitTimerRaw(this, XmitTimer.Retrans, this.rtoJiffies);
  }

  // =====================================================================
  // inspection
  // =====================================================================

  /** Segments the sender considers in flight now. */
  get inFlight(): number {
    return this.packetsInFlight();
  }

  get rtoMs(): number {
    return (this.rtoJiffies * 1000) / HZ;
  }

  get pendingTimer(): 'none' | 'rto' | 'tlp' | 'reo' {
    return this.pending === XmitTimer.Retrans ? 'rto' : this.pending === XmitTimer.LossProbe ? 'tlp' : this.pending === XmitTimer.ReoTimeout ? 'reo' : 'none';
  }
}
