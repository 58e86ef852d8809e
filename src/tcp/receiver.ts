/**
 * The TCP receiver, following Linux 6.1 (tcp_data_queue, tcp_event_data_recv,
 * __tcp_ack_snd_check, tcp_send_delayed_ack, SACK block upkeep).
 *
 * Model in plain words. In-order data advances rcv_nxt (pulling in any
 * out-of-order segments it joins); the application reads at once (iperf3).
 * ACKs go out:
 *   - immediately when more than one full segment is unacknowledged ("ACK
 *     every second segment"), in quick-ACK mode (the first 16 ACKs, and after
 *     duplicates), or when a hole is filled;
 *   - for out-of-order data, the first three duplicate ACKs for a given
 *     rcv_nxt at once, then compressed (SACK compression: up to 44 ACKs, at
 *     most 1 ms or 5% of the RTT);
 *   - when the application's read empties the receive queue after a
 *     full-sized segment with PSH or a short segment (tcp_measure_rcv_mss
 *     sets ICSK_ACK_PUSHED, tcp_cleanup_rbuf ACKs): the last segment of each
 *     multi-segment skb of a Linux sender and of a transfer, so an odd
 *     segment at an skb's end is ACKed alone;
 *   - otherwise by the delayed-ACK timer (ato, 40 ms in steady bulk flow,
 *     at most the receiver's RTT when that is longer than 40 ms).
 * Each ACK carries up to three SACK blocks, most recent first, a D-SACK first
 * for a duplicate segment, and echoes the timestamp of the segment that
 * started the ACKed window (ts_recent).
 *
 * ECN (RFC 3168, tcp_ecn_check_ce): when the SYN asked for ECN the SYN-ACK
 * agrees (ECE). A data segment marked CE sets TCP_ECN_DEMAND_CWR: every ACK
 * then carries ECE until a segment with CWR arrives, and the first CE mark
 * enters quick-ACK mode for two ACKs, as does a Not-ECT segment after ECT
 * ones (a retransmission). A CC that needs ECN (DCTCP) hears of every
 * segment's mark instead (rcvCeEvent) and sets ECE itself.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import { ECN, MAX_SACK_BLOCKS, type EcnCodepoint, type Packet, type PacketPool, type PacketSink } from '../network/packet.js';
import { TCP_ECN_DEMAND_CWR, TCP_ECN_OK, TCP_ECN_SEEN } from './sock.js';
import { CA_EVENT_ECN_IS_CE, CA_EVENT_ECN_NO_CE, type AckSock, type CongestionOps } from './types.js';
import { ReceiveWindow } from './rcvbuf.js';
import {
  JIFFY_NS,
  TCP_ATO_MIN_JIFFIES,
  TCP_COMP_SACK_DELAY_NS,
  TCP_COMP_SACK_NR,
  TCP_DELACK_MAX_JIFFIES,
  TCP_DELACK_MIN_JIFFIES,
  TCP_FASTRETRANS_THRESH,
  TCP_MAX_QUICKACKS,
  TCP_RCV_WND_INITIAL,
  TCP_RTO_MIN_US,
  HZ,
  usecsToJiffies,
} from './constants.js';

/** Linux keeps up to four SACK blocks (TCP_NUM_SACKS). */
const TCP_NUM_SACKS = 4;
/** TCP_SACK_BLOCKS_EXPECTED: beyond this many, a compressed SACK is flushed. */
const TCP_SACK_BLOCKS_EXPECTED = 2;

export class TcpReceiver implements PacketSink, AckSock {
  /** Where ACKs go (the reverse path). */
  out!: PacketSink;

  /** Next segment expected. */
  rcvNxt = 0;
  /** rcv_nxt when the last ACK was sent (rcv_wup). */
  private rcvWup = 0;
  /** Payload bytes delivered in order to the application. */
  bytesDelivered = 0;
  /** Data packets that arrived (including duplicates). */
  packetsArrived = 0;
  /** Duplicate data packets (already received). */
  duplicates = 0;
  /** SYNs that arrived. */
  synsArrived = 0;
  /** Data packets that arrived marked CE. */
  ceArrived = 0;
  /** ACKs sent with ECE. */
  eceAcksSent = 0;

  /** tp->ecn_flags (TCP_ECN_* in sock.ts). */
  ecnFlags = 0;
  /**
   * The receiving socket's congestion control when it needs ECN (DCTCP):
   * it hears of each segment's CE mark (rcvCeEvent). Set by the topology.
   */
  ca: CongestionOps | null = null;

  // out-of-order queue: bitmap ring over segment numbers
  private ofo: Uint8Array;
  private ofoMask: number;
  private ofoCount = 0;
  private ofoLens: Float64Array;
  /** Buffer memory each held segment is charged (sk_rmem_alloc share), bytes. */
  private ofoCost: Float64Array;

  // SACK blocks (selective_acks), most recent first
  private readonly sackStart = new Float64Array(TCP_NUM_SACKS + 1);
  private readonly sackEnd = new Float64Array(TCP_NUM_SACKS + 1);
  private numSacks = 0;
  private dsack = false;
  private dsackStart = 0;
  private dsackEnd = 0;

  // delayed ACK engine (icsk_ack)
  private quick = 0;
  private ato = 0;
  private lrcvtime = 0;
  private ackScheduled = false;
  /** ICSK_ACK_NOW: the next ACK check sends at once. */
  private icskAckNow = false;
  /** ICSK_ACK_PUSHED: an in-order full-sized segment with PSH, or a short one, arrived since the last ACK. */
  private pushed = false;
  /** The delayed-ACK timer is armed (ICSK_ACK_TIMER). */
  delackTimerPending = false;
  private delackTimeoutJiffies = 0;
  private readonly delackTimer: Timer;
  private rtoJiffies = HZ;
  /** The receiver's own srtt: its handshake RTT sample (it sends no data); 0 before it. */
  private srttUs = 0;

  // SACK compression
  private compressedAck = 0;
  private compressedAckRcvNxt = -1;
  private dupAckCounter = 0;
  private readonly compTimer: Timer;

  // timestamps
  private tsRecent = 0;

  private synSeen = false;

  /** The advertised window and its automatic growth (rcvbuf.ts). */
  readonly rw: ReceiveWindow;
  /** Window offered by the last ACK (rcv_wnd), bytes from rcv_wup. */
  private rcvWnd = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly pool: PacketPool,
    readonly flow: number,
    readonly mss: number,
    /** The largest window this receiver may offer (scenario rwnd; tcp_rmem[2] is twice it). */
    maxWindowBytes: number,
    /** First size of the out-of-order ring (a power of two; it grows as needed). */
    ofoCapacity = 1024,
  ) {
    this.ofo = new Uint8Array(ofoCapacity);
    this.ofoMask = ofoCapacity - 1;
    this.ofoLens = new Float64Array(ofoCapacity);
    this.ofoCost = new Float64Array(ofoCapacity);
    this.delackTimer = sim.timer(() => this.onDelackTimer());
    this.compTimer = sim.timer(() => this.onCompTimer());
    this.rw = new ReceiveWindow(mss, maxWindowBytes);
  }

  private get nowUs(): number {
    return Math.floor(this.sim.now / 1000);
  }

  /** Our TCP timestamp clock (ms); never 0. */
  private tsNow(): number {
    return Math.floor(this.sim.now / 1e6) + 1;
  }

  private get jiffies(): number {
    return Math.floor(this.sim.now / JIFFY_NS);
  }

  receive(p: Packet): void {
    if (p.seg === -1) {
      this.onSyn(p);
      return;
    }
    this.packetsArrived++;
    const seg = p.seg;
    const len = p.len;
    const tsVal = p.tsVal;
    const tsEcr = p.tsEcr;
    const psh = p.psh;
    const ecn = p.ecn;
    const cwr = p.cwr;
    this.pool.release(p);
    if (ecn === ECN.CE) this.ceArrived++;
    // tcp_ack() of the segment: tcp_ecn_accept_cwr()
    if (cwr) this.ecnAcceptCwr(len);

    // tcp_replace_ts_recent: only segments starting at or before the last ACKed point
    if (seg <= this.rcvWup) this.tsRecent = tsVal;
    this.rw.rttMeasureTs(tsEcr, this.tsNow(), len);

    const inOrder = seg === this.rcvNxt;
    // tcp_event_data_recv -> tcp_measure_rcv_mss: an in-order full-sized segment with PSH,
    // or a short one (the end of a write)
    if (inOrder && (psh || len < this.mss)) this.pushed = true;
    this.dataQueue(seg, len, ecn);
    this.ackSndCheck();
    if (inOrder) this.cleanupRbuf();
  }

  /**
   * tcp_cleanup_rbuf() after the application's read (iperf3 reads at once):
   * with an ACK still scheduled, ACK now if the segments read included a
   * full-sized one with PSH or a short one and the read left nothing queued
   * (out-of-order data counts as queued: sk_rmem_alloc).
   */
  private cleanupRbuf(): void {
    if (this.ackScheduled && this.pushed && this.ofoCount === 0) this.sendAck();
  }

  /**
   * SYN: answer with a SYN-ACK at once; the handshake RTT seeds our RTO.
   * ECN is agreed on the first SYN if it asks (ECE and CWR) and is itself
   * Not-ECT, or if our CC needs ECN (tcp_ecn_create_request); a repeated
   * SYN gets the same answer (the request sock's).
   */
  private onSyn(p: Packet): void {
    const tsVal = p.tsVal;
    const asksEcn = p.ece && p.cwr;
    const ect = p.ecn !== ECN.NOT_ECT;
    this.pool.release(p);
    this.synsArrived++;
    if (!this.synSeen) {
      this.synSeen = true;
      this.synArrivalNs = this.sim.now;
      if (asksEcn && (!ect || this.ca?.needsEcn === true)) this.ecnFlags = TCP_ECN_OK;
    }
    this.rw.start(this.nowUs, 0);
    this.rcvWnd = this.rw.initialWindow;
    const a = this.pool.ack(this.flow, 0, this.tsNow(), tsVal, this.rw.initialWindow);
    a.seg = -1;
    a.wireBytes = 74;
    a.ece = (this.ecnFlags & TCP_ECN_OK) !== 0;
    this.out.receive(a);
  }

  private synArrivalNs = 0;

  /** tcp_data_queue(). */
  private dataQueue(seg: number, len: number, ecn: EcnCodepoint): void {
    this.dsack = false;
    if (seg === this.rcvNxt) {
      this.rcvNxt++;
      this.bytesDelivered += len;
      this.eventDataRecv(len, ecn);
      if (this.ofoCount > 0) {
        this.ofoQueue();
        if (this.ofoCount === 0) this.icskAckNow = true;
      }
      if (this.numSacks > 0) this.sackRemove();
      // the application (iperf3) reads at once: tcp_recvmsg -> tcp_rcv_space_adjust
      this.rw.spaceAdjust(this.bytesDelivered, this.nowUs);
      return;
    }
    if (seg < this.rcvNxt) {
      // a retransmission of data we have: D-SACK it and ACK at once
      this.duplicates++;
      this.dsackSet(seg, seg + 1);
      this.enterQuickackMode(TCP_MAX_QUICKACKS);
      this.ackScheduled = true;
      return;
    }
    this.dataQueueOfo(seg, len, ecn);
  }

  /** tcp_ofo_queue(): pull in-order segments out of the out-of-order queue. */
  private ofoQueue(): void {
    while (this.ofoCount > 0) {
      const i = this.rcvNxt & this.ofoMask;
      if (this.ofo[i] !== 1) break;
      this.ofo[i] = 0;
      this.ofoCount--;
      this.rw.rmemAlloc -= this.ofoCost[i]!;
      this.bytesDelivered += this.ofoLens[i]!;
      this.rcvNxt++;
    }
  }

  /** tcp_data_queue_ofo(). */
  private dataQueueOfo(seg: number, len: number, ecn: EcnCodepoint): void {
    this.ecnCheckCe(ecn);
    this.ackScheduled = true;
    while (seg - this.rcvNxt >= this.ofo.length) this.growOfo();
    const i = seg & this.ofoMask;
    if (this.ofo[i] === 1) {
      // duplicate of an out-of-order segment
      this.duplicates++;
      this.dsackSet(seg, seg + 1);
      return;
    }
    if (this.ofoCount === 0) {
      this.numSacks = 1;
      this.sackStart[0] = seg;
      this.sackEnd[0] = seg + 1;
    } else {
      this.sackNewOfoSkb(seg, seg + 1);
    }
    this.ofo[i] = 1;
    this.ofoLens[i] = len;
    this.ofoCount++;
    // tcp_ooo_try_coalesce(): a segment that extends the one before it is merged into that skb
    // and charged only its data (the page fragment moves over); otherwise it costs a whole skb
    const cost = this.ofo[(seg - 1) & this.ofoMask] === 1 && seg - 1 >= this.rcvNxt ? len : this.rw.segTruesize;
    this.ofoCost[i] = cost;
    this.rw.rmemAlloc += cost;
    // SACK flows grow the window on out-of-order data too (end of tcp_data_queue_ofo)
    this.rw.growWindow(len);
  }

  private growOfo(): void {
    const cap = this.ofo.length * 2;
    const o = new Uint8Array(cap);
    const l = new Float64Array(cap);
    const c = new Float64Array(cap);
    const mask = cap - 1;
    // occupied slots lie in [rcvNxt, rcvNxt + old capacity)
    for (let s = this.rcvNxt; s < this.rcvNxt + this.ofo.length; s++) {
      const j = s & this.ofoMask;
      if (this.ofo[j] === 1) {
        o[s & mask] = 1;
        l[s & mask] = this.ofoLens[j]!;
        c[s & mask] = this.ofoCost[j]!;
      }
    }
    this.ofo = o;
    this.ofoLens = l;
    this.ofoCost = c;
    this.ofoMask = mask;
  }

  private dsackSet(s: number, e: number): void {
    this.dsack = true;
    this.dsackStart = s;
    this.dsackEnd = e;
  }

  /** tcp_sack_extend(): merge [s, e) into block k if they touch. */
  private sackExtend(k: number, s: number, e: number): boolean {
    if (s <= this.sackEnd[k]! && e >= this.sackStart[k]!) {
      if (s < this.sackStart[k]!) this.sackStart[k] = s;
      if (e > this.sackEnd[k]!) this.sackEnd[k] = e;
      return true;
    }
    return false;
  }

  /** tcp_sack_new_ofo_skb(): keep the most recent block first. */
  private sackNewOfoSkb(s: number, e: number): void {
    const cur = this.numSacks;
    let k = 0;
    for (; k < cur; k++) {
      if (this.sackExtend(k, s, e)) {
        if (k >= TCP_SACK_BLOCKS_EXPECTED) this.sackCompressSendAck();
        for (; k > 0; k--) this.swapSack(k, k - 1);
        if (cur > 1) this.sackMaybeCoalesce();
        return;
      }
    }
    if (k >= TCP_SACK_BLOCKS_EXPECTED) this.sackCompressSendAck();
    if (k >= TCP_NUM_SACKS) {
      k--;
      this.numSacks--;
    }
    for (; k > 0; k--) {
      this.sackStart[k] = this.sackStart[k - 1]!;
      this.sackEnd[k] = this.sackEnd[k - 1]!;
    }
    this.sackStart[0] = s;
    this.sackEnd[0] = e;
    this.numSacks++;
  }

  private swapSack(a: number, b: number): void {
    const s = this.sackStart[a]!;
    const e = this.sackEnd[a]!;
    this.sackStart[a] = this.sackStart[b]!;
    this.sackEnd[a] = this.sackEnd[b]!;
    this.sackStart[b] = s;
    this.sackEnd[b] = e;
  }

  /** tcp_sack_maybe_coalesce(): block 0 may now touch others. */
  private sackMaybeCoalesce(): void {
    for (let k = 1; k < this.numSacks; ) {
      if (this.sackExtend(0, this.sackStart[k]!, this.sackEnd[k]!)) {
        this.numSacks--;
        for (let j = k; j < this.numSacks; j++) {
          this.sackStart[j] = this.sackStart[j + 1]!;
          this.sackEnd[j] = this.sackEnd[j + 1]!;
        }
        continue;
      }
      k++;
    }
  }

  /** tcp_sack_remove(): rcv_nxt advanced; drop blocks it covers. */
  private sackRemove(): void {
    if (this.ofoCount === 0) {
      this.numSacks = 0;
      return;
    }
    for (let k = 0; k < this.numSacks; ) {
      if (this.rcvNxt >= this.sackStart[k]!) {
        for (let j = k + 1; j < this.numSacks; j++) {
          this.sackStart[j - 1] = this.sackStart[j]!;
          this.sackEnd[j - 1] = this.sackEnd[j]!;
        }
        this.numSacks--;
        continue;
      }
      k++;
    }
  }

  // ---------------------------------------------------------------------
  // delayed ACKs
  // ---------------------------------------------------------------------

  /** tcp_event_data_recv(): adapt ato to the inter-arrival time of in-order data; ECN marks. */
  private eventDataRecv(len: number, ecn: EcnCodepoint): void {
    this.ackScheduled = true;
    this.rw.rttMeasureWindow(this.rcvNxt * this.mss, this.rcvWnd, this.nowUs);
    const now = this.jiffies;
    if (this.ato === 0) {
      this.incrQuickack();
      this.ato = TCP_ATO_MIN_JIFFIES;
      if (this.synSeen) {
        // the receiver's RTO comes from the handshake RTT (tcp_synack_rtt_meas): rtt + 200 ms
        const rttUs = Math.floor((this.sim.now - this.synArrivalNs) / 1000);
        this.srttUs = rttUs;
        this.rtoJiffies = usecsToJiffies(rttUs + TCP_RTO_MIN_US);
      }
    } else {
      const m = now - this.lrcvtime;
      if (m <= TCP_ATO_MIN_JIFFIES / 2) {
        this.ato = (this.ato >> 1) + TCP_ATO_MIN_JIFFIES / 2;
      } else if (m < this.ato) {
        this.ato = (this.ato >> 1) + m;
        if (this.ato > this.rtoJiffies) this.ato = this.rtoJiffies;
      } else if (m > this.rtoJiffies) {
        this.incrQuickack();
      }
    }
    this.lrcvtime = now;
    this.ecnCheckCe(ecn);
    this.rw.growWindow(len);
  }

  // ---------------------------------------------------------------------
  // ECN
  // ---------------------------------------------------------------------

  /**
   * tcp_ecn_check_ce(): the ECN field of a new data segment. CE: the CC
   * that needs ECN hears of it; otherwise the first mark of an episode
   * enters quick-ACK mode (two ACKs) and ECE is echoed until CWR. Not-ECT
   * after ECT (a retransmission): quick-ACK mode too.
   */
  private ecnCheckCe(ecn: EcnCodepoint): void {
    if (!(this.ecnFlags & TCP_ECN_OK)) return;
    const ca = this.ca;
    switch (ecn) {
      case ECN.NOT_ECT:
        if (this.ecnFlags & TCP_ECN_SEEN) this.enterQuickackMode(2);
        break;
      case ECN.CE:
        if (ca !== null && ca.rcvCeEvent !== undefined) ca.rcvCeEvent(this, CA_EVENT_ECN_IS_CE);
        if (!(this.ecnFlags & TCP_ECN_DEMAND_CWR)) {
          // better not delay ACKs: the sender may have a very small cwnd
          this.enterQuickackMode(2);
          this.ecnFlags |= TCP_ECN_DEMAND_CWR;
        }
        this.ecnFlags |= TCP_ECN_SEEN;
        break;
      default:
        if (ca !== null && ca.rcvCeEvent !== undefined) ca.rcvCeEvent(this, CA_EVENT_ECN_NO_CE);
        this.ecnFlags |= TCP_ECN_SEEN;
        break;
    }
  }

  /** tcp_ecn_accept_cwr(): the sender reduced its window: stop echoing ECE; ACK a data segment at once. */
  private ecnAcceptCwr(len: number): void {
    this.ecnFlags &= ~TCP_ECN_DEMAND_CWR;
    if (len > 0) this.icskAckNow = true;
  }

  /** TCP_ECN_DEMAND_CWR (AckSock): whether ACKs carry ECE. */
  get demandCwr(): boolean {
    return (this.ecnFlags & TCP_ECN_DEMAND_CWR) !== 0;
  }

  set demandCwr(on: boolean) {
    if (on) this.ecnFlags |= TCP_ECN_DEMAND_CWR;
    else this.ecnFlags &= ~TCP_ECN_DEMAND_CWR;
  }

  /** ICSK_ACK_NOW (AckSock). */
  ackNow(): void {
    this.icskAckNow = true;
  }

  /**
   * __tcp_send_ack(sk, rcv_nxt) (AckSock): an ACK for `rcvNxt` now. For an
   * earlier rcv_nxt (DCTCP's ACK for the segments before a CE change) it
   * is an extra ACK that leaves the delayed-ACK state as it is
   * (tcp_event_ack_sent returns early).
   */
  sendAckFor(rcvNxt: number): void {
    if (rcvNxt === this.rcvNxt) {
      this.sendAck();
      return;
    }
    const a = this.pool.ack(this.flow, rcvNxt, this.tsNow(), this.tsRecent, this.selectWindow());
    this.fillSack(a, false);
    this.ecnSend(a);
    this.rcvWup = this.rcvNxt; // tcp_select_window()
    this.out.receive(a);
  }

  /** tcp_ecn_send() for an ACK: ECE while TCP_ECN_DEMAND_CWR. */
  private ecnSend(a: Packet): void {
    if (this.ecnFlags & TCP_ECN_OK && this.ecnFlags & TCP_ECN_DEMAND_CWR) {
      a.ece = true;
      this.eceAcksSent++;
    }
  }

  private incrQuickack(maxQuickacks = TCP_MAX_QUICKACKS): void {
    let quickacks = Math.floor(TCP_RCV_WND_INITIAL / (2 * this.mss));
    if (quickacks === 0) quickacks = 2;
    quickacks = Math.min(quickacks, maxQuickacks);
    if (quickacks > this.quick) this.quick = quickacks;
  }

  /** tcp_enter_quickack_mode(): the next maxQuickacks ACKs go out at once. */
  private enterQuickackMode(maxQuickacks: number): void {
    this.incrQuickack(maxQuickacks);
    this.ato = TCP_ATO_MIN_JIFFIES;
  }

  /** __tcp_ack_snd_check(ofo_possible = 1). */
  private ackSndCheck(): void {
    if (!this.ackScheduled) return;
    if (this.rcvNxt - this.rcvWup > 1 || this.quick > 0 || this.icskAckNow) {
      this.sendAck();
      return;
    }
    if (this.ofoCount === 0) {
      this.sendDelayedAck();
      return;
    }
    if (this.compressedAck >= TCP_COMP_SACK_NR) {
      this.sendAck();
      return;
    }
    if (this.compressedAckRcvNxt !== this.rcvNxt) {
      this.compressedAckRcvNxt = this.rcvNxt;
      this.dupAckCounter = 0;
    }
    if (this.dupAckCounter < TCP_FASTRETRANS_THRESH) {
      this.dupAckCounter++;
      this.sendAck();
      return;
    }
    this.compressedAck++;
    if (this.compTimer.pending) return;
    const rttUs8 = this.rw.rttUs8;
    const delayNs = rttUs8 === 0 ? TCP_COMP_SACK_DELAY_NS : Math.min(TCP_COMP_SACK_DELAY_NS, Math.floor((rttUs8 * (1000 >> 3)) / 20));
    this.compTimer.after(delayNs);
  }

  private onCompTimer(): void {
    if (this.compressedAck > 0) this.sendAck();
  }

  /** tcp_sack_compress_send_ack(). */
  private sackCompressSendAck(): void {
    if (this.compressedAck === 0) return;
    this.compTimer.cancel();
    this.compressedAck = 0;
    this.sendAck();
  }

  /** tcp_send_delayed_ack(): the delayed-ACK timeout, bounded by the RTT when one is known. */
  private sendDelayedAck(): void {
    let ato = this.ato;
    if (ato > TCP_DELACK_MIN_JIFFIES) {
      // (Linux uses TCP_DELACK_MAX instead of HZ/2 after a PSH segment; the cap below makes it moot)
      let maxAto = HZ / 2;
      if (this.srttUs > 0) {
        const rtt = Math.max(usecsToJiffies(this.srttUs), TCP_DELACK_MIN_JIFFIES);
        if (rtt < maxAto) maxAto = rtt;
      }
      ato = Math.min(ato, maxAto);
    }
    ato = Math.min(ato, TCP_DELACK_MAX_JIFFIES);
    const now = this.jiffies;
    let timeout = now + ato;
    if (this.delackTimerPending) {
      if (this.delackTimeoutJiffies <= now + (ato >> 2)) {
        this.sendAck();
        return;
      }
      if (!(timeout < this.delackTimeoutJiffies)) timeout = this.delackTimeoutJiffies;
    }
    this.ackScheduled = true;
    this.delackTimerPending = true;
    this.delackTimeoutJiffies = timeout;
    this.delackTimer.at(Math.max(this.sim.now, timeout * JIFFY_NS));
  }

  private onDelackTimer(): void {
    if (!this.delackTimerPending) return;
    this.delackTimerPending = false;
    if (this.ackScheduled) {
      // delayed ACK missed: inflate ato (tcp_delack_timer_handler)
      this.ato = Math.min(this.ato << 1, this.rtoJiffies);
      this.sendAck();
    }
  }

  /** The ACK's SACK blocks: the D-SACK first (consumed when `consumeDsack`), then the most recent. */
  private fillSack(a: Packet, consumeDsack: boolean): void {
    let n = 0;
    if (this.dsack) {
      a.sack[0] = this.dsackStart;
      a.sack[1] = this.dsackEnd;
      a.dsack = true;
      n = 1;
      if (consumeDsack) this.dsack = false;
    }
    for (let k = 0; k < this.numSacks && n < MAX_SACK_BLOCKS; k++, n++) {
      a.sack[2 * n] = this.sackStart[k]!;
      a.sack[2 * n + 1] = this.sackEnd[k]!;
    }
    a.nSack = n;
  }

  /** tcp_send_ack(): one ACK with SACK blocks (D-SACK first), the timestamp echo and ECE. */
  private sendAck(): void {
    const a = this.pool.ack(this.flow, this.rcvNxt, this.tsNow(), this.tsRecent, this.selectWindow());
    this.fillSack(a, true);
    this.ecnSend(a);
    // tcp_event_ack_sent
    if (this.compressedAck > 0) {
      this.compressedAck = 0;
      this.compTimer.cancel();
    }
    if (this.quick > 0) {
      const pkts = this.ackScheduled ? 1 : 0;
      if (pkts >= this.quick) {
        this.quick = 0;
        this.ato = TCP_ATO_MIN_JIFFIES;
      } else this.quick -= pkts;
    }
    this.delackTimerPending = false;
    this.delackTimer.cancel();
    this.ackScheduled = false;
    this.icskAckNow = false;
    this.pushed = false;
    this.rcvWup = this.rcvNxt;
    this.out.receive(a);
  }

  /**
   * tcp_select_window(): the window for the next ACK, never less than what is
   * left of the window already offered; remembers it as rcv_wnd.
   */
  private selectWindow(): number {
    const cur = Math.max(0, (this.rcvWup - this.rcvNxt) * this.mss + this.rcvWnd);
    let win = this.rw.selectWindow();
    if (win < cur) {
      const unit = 1 << this.rw.wscale;
      win = Math.ceil(cur / unit) * unit;
    }
    this.rcvWnd = win;
    return win;
  }

  /** Out-of-order segments held. */
  get ofoSegments(): number {
    return this.ofoCount;
  }
}
