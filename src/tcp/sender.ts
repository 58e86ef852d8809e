/**
 * The TCP sender, following Linux 6.1: the socket object (the sender's
 * struct tcp_sock) with its state, and the events that drive it. The
 * mechanics live in modules cut along Linux's files, each a set of
 * functions over the narrow part of this state it uses:
 *
 *   input.ts       tcp_input.c: tcp_ack(), the SACK scoreboard, the
 *                  cumulative ACK, tcp_cong_control(), the SYN-ACK
 *   rtt.ts         tcp_input.c: RTT estimation and the RTO
 *   recovery.ts    tcp_input.c: the congestion state machine (Open,
 *                  Disorder, CWR, Recovery, Loss), undo, F-RTO
 *   prr.ts         tcp_input.c: Proportional Rate Reduction
 *   rack.ts        tcp_recovery.c: RACK loss detection
 *   output.ts      tcp_output.c: sending, GSO sizing, pacing, retransmission,
 *                  the tail loss probe
 *   xmit_timer.ts  arming the retransmission timer (RTO, TLP, RACK)
 *   timer.ts       tcp_timer.c: what the timer does when it fires
 *   rate.ts        tcp_rate.c: delivery-rate samples
 *   sock.ts        what they share: FLAG_* bits, named codes, setCaState()
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
 *
 * ECN (RFC 3168, as Linux with net.ipv4.tcp_ecn = 1): a flow with `ecn` on
 * (or whose CC needs ECN, DCTCP) asks for it in its SYN; if the SYN-ACK
 * agrees, new data leaves ECT(0) and an ACK with ECE enters CWR, a
 * loss-free PRR reduction (recovery.ts, prr.ts); the next new segment
 * carries CWR. Retransmissions are Not-ECT, except for a CC that needs ECN.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import { Rng } from '../engine/rng.js';
import type { Packet, PacketPool, PacketSink } from '../network/packet.js';
import { HZ, JIFFY_NS, TCP_CWND_CLAMP_DEFAULT, TCP_FASTRETRANS_THRESH, TCP_INFINITE_SSTHRESH, TCP_INIT_CWND, TCP_TIMEOUT_INIT_JIFFIES, jiffiesToUsecs } from './constants.js';
import { rcvEstablished, rcvSynAck, type AckState } from './input.js';
import { MinMax } from './minmax.js';
import { pacingTimerFired, sendSyn, tsoSegs, unsentSegs, writeXmit } from './output.js';
import { rateCheckAppLimited } from './rate.js';
import { startApplication } from './app.js';
import { onPeriods, type AppModel } from '../traffic/schedule.js';
import type { LogHistogram } from '../network/histogram.js';
import type { RateState } from './rate.js';
import { Scoreboard } from './scoreboard.js';
import { mstampRefresh, Push, Rexmit, SenderStats, SkPacing, TCP_ECN_OK, XmitTimer, type StateLog } from './sock.js';
import { writeTimerHandler, type TimerState } from './timer.js';
import { CA_OPEN, RateSample, type AckSample, type CaState, type CongestionOps, type TcpSock } from './types.js';

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
  /** Ask for ECN on the SYN (net.ipv4.tcp_ecn = 1); a CC that needs ECN asks anyway. */
  ecn?: boolean;
  /** The application when it is not a bulk writer (a rate, on/off periods): see app.ts. */
  app?: AppModel;
  /**
   * For the many short connections of a workload: a histogram their RTT
   * samples share (one per connection would cost 64 KB each), and a small
   * first scoreboard (it grows as needed).
   */
  rttHistogram?: LogHistogram;
  scoreboardCapacity?: number;
  seed: number;
}

/**
 * One connection's sender: the fields of struct tcp_sock the modules share
 * (each module's state interface documents the ones it uses), its timers,
 * and the entry points: receive() for the receiver's packets, and the
 * timers' callbacks.
 */
export class TcpSender implements TcpSock, RateState, AckState, TimerState {
  readonly flow: number;
  readonly mss: number;
  readonly stats: SenderStats;
  /** Where packets go (the sender's access link). */
  out!: PacketSink;

  // ---------------- application ----------------
  /** Segments the application has written so far (Infinity for a bulk writer until it stops). */
  writeSegs: number;
  /** Segments of the whole transfer (Infinity without a byte limit). */
  readonly totalSegs: number;
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
  readonly sb: Scoreboard;

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
  /** Packets delivered by ACKs with ECE (tp->delivered_ce). */
  deliveredCe = 0;

  // ---------------- ECN ----------------
  readonly ecnWanted: boolean;
  /** tp->ecn_flags (TCP_ECN_* in sock.ts). */
  ecnFlags = 0;

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
  curSackFlag = 0;

  readonly rng: Rng;
  readonly slackRng: Rng;
  readonly timerSlackNs: number;
  /** Set when the receive window stopped a transmission (for inspection). */
  rwndLimited = false;
  /** The congestion control's named mode ('' for one without modes), for the time series. */
  ccMode = '';
  /** Where state changes are recorded (set by the run); null = nowhere. */
  stateLog: StateLog | null = null;

  constructor(
    readonly sim: Simulator,
    readonly pool: PacketPool,
    readonly ca: CongestionOps,
    opts: SenderOptions,
  ) {
    this.flow = opts.flow;
    this.mss = opts.mss;
    this.stats = new SenderStats(opts.rttHistogram);
    this.sb = new Scoreboard(opts.scoreboardCapacity ?? 1024);
    if (opts.bytes === null) {
      this.totalSegs = Number.POSITIVE_INFINITY;
      this.lastSegLen = opts.mss;
    } else {
      this.totalSegs = Math.ceil(opts.bytes / opts.mss);
      this.lastSegLen = opts.bytes - (this.totalSegs - 1) * opts.mss;
    }
    // a bulk or byte-limited writer has everything written at once; an application model writes over time
    this.writeSegs = opts.app ? 0 : this.totalSegs;
    this.rng = new Rng(opts.seed, `cc/flow${opts.flow}`);
    this.slackRng = new Rng(opts.seed, `host/sender/flow${opts.flow}`);
    this.timerSlackNs = opts.timerSlackNs ?? 0;
    this.ecnWanted = opts.ecn ?? false;
    this.rttMin.reset(0, 0xffffffff);
    this.xmitTimer = sim.timer(() => writeTimerHandler(this));
    this.pacingTimer = sim.timer(() => {
      mstampRefresh(this);
      pacingTimerFired(this);
    });
    this.startTimer = sim.timer(() => this.connect());
    this.stopTimer = sim.timer(() => this.stop());
    if (opts.fqPacing) this.pacingStatus = SkPacing.Fq;
    this.startTimer.at(opts.startNs);
    if (opts.stopNs > opts.startNs) this.stopTimer.at(opts.stopNs);
    if (opts.app) startApplication(this, opts.app, onPeriods(opts.app, opts.seed, opts.flow, opts.startNs, opts.stopNs));
  }

  /**
   * The application writes: `segs` more segments (a rate-limited writer), or
   * everything up to the transfer's end (Infinity: a bulk writer's on
   * period). As tcp_sendmsg_locked(), first tcp_rate_check_app_limited():
   * a sender that ran out of data while the window had room is
   * application-limited, and its rate samples say so; then tcp_push().
   */
  appWrite(segs: number): void {
    if (this.stopped || this.writeSegs >= this.totalSegs) return;
    mstampRefresh(this);
    rateCheckAppLimited(this, unsentSegs(this), this.packetsInFlight(), this.sndCwnd, this.lostOut, this.retransOut);
    this.writeSegs = Math.min(this.totalSegs, this.writeSegs + segs);
    if (this.established && !this.finished) writeXmit(this, Push.All);
  }

  /** The application stops writing for now (an off period): what it wrote and TCP has not sent is withdrawn, as at stop. */
  appPause(): void {
    if (this.writeSegs > this.sndNxt) this.writeSegs = this.sndNxt;
  }

  // =====================================================================
  // TcpSock view for congestion control
  // =====================================================================

  get ecnOk(): boolean {
    return (this.ecnFlags & TCP_ECN_OK) !== 0;
  }

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

  ccModeChanged(mode: string): void {
    if (mode === this.ccMode) return;
    // the mode a CC starts in is not a change
    if (this.ccMode !== '' && this.stateLog !== null) this.stateLog.record(this.sim.now, this.flow, 'cc_mode', this.ccMode, mode);
    this.ccMode = mode;
  }

  /** Smoothed RTT in microseconds (srtt_us >> 3). */
  get srttUs(): number {
    return this.srttUs8 / 8;
  }

  // =====================================================================
  // connection start and stop (handshake, application)
  // =====================================================================

  /** tcp_connect(): the application connects (iperf3 starts the flow). */
  private connect(): void {
    mstampRefresh(this);
    this.synSentNs = this.sim.now;
    sendSyn(this);
  }

  /** The application stops writing (iperf3 -t elapsed). */
  private stop(): void {
    this.stopped = true;
    if (this.writeSegs > this.sndNxt) this.writeSegs = this.sndNxt;
  }

  // =====================================================================
  // arrivals (input.ts)
  // =====================================================================

  /** A packet from the receiver: the SYN-ACK, or an ACK. */
  receive(p: Packet): void {
    if (p.seg === -1 && p.isAck && !this.established) {
      rcvSynAck(this, p);
      return;
    }
    if (!this.established) {
      this.pool.release(p);
      return;
    }
    rcvEstablished(this, p);
  }

  // =====================================================================
  // inspection
  // =====================================================================

  /** tcp_tso_segs(): segments per skb now (see output.ts). */
  tsoSegs(): number {
    return tsoSegs(this);
  }

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
