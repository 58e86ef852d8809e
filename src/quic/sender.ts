/**
 * The sending end of a QUIC connection carrying one bulk stream, as quic-go
 * (connection.go's send loop, the packet packer, send_stream.go) sends it.
 *
 * Model in plain words. The connection is established when the flow
 * starts (the handshake is not modelled: no RTT sample until the first ACK,
 * so the first probe timeout is 2 x 100 ms). It sends while the send mode
 * allows (sent_packet_handler.ts): the congestion window (the controller's
 * CanSend), the pacer's budget, and the flow-control limits the receiver
 * granted (MAX_STREAM_DATA, MAX_DATA). Each packet is a full datagram
 * (1252 bytes at first) packed with the data of lost
 * packets first, then new data: lost data is sent again in new packets with
 * new packet numbers, never as the same packet. After a probe timeout, two
 * probe packets go regardless of the window, each resending the oldest
 * outstanding packet's data (a PING when there is nothing to send). Each ACK
 * (src/quic/receiver.ts sends them) is handed to the sent-packet handler;
 * its newly acknowledged and lost packets go to the controller as one
 * congestion event; the loss timer's losses likewise.
 *
 * Path MTU discovery (unless the flow's quic.pmtud is false, Hysteria's
 * disablePathMTUDiscovery): quic-go's mtuFinder (mtu-discoverer.ts) starts
 * at the first RTT sample (the handshake's confirmation in quic-go); when
 * the send mode allows sending and a probe is due, the probe (a PING padded
 * to the probe's size) goes before any data. A probe larger than the path
 * MTU allows (size + 28 > quic.mtu) is dropped at the first hop, as a
 * router drops a too-big packet with DF set, and never reaches the link. An
 * acknowledged probe makes its size the datagram size; the controller is
 * told (SetMaxDatagramSize).
 *
 * Counters in the shape the run reads from a TCP sender (sim/run.ts):
 * bytesSent counts stream bytes sent (first and again), bytesRetrans those
 * sent again, segsSent/segsRetrans packets (those carrying resent data),
 * rtoCount probe timeouts, rttUs the RTT samples of ACKs.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import type { Packet, PacketPool, PacketSink } from '../network/packet.js';
import { LogHistogram } from '../network/histogram.js';
import type { StateLog } from '../tcp/sock.js';
import { RttStats } from './rtt.js';
import { SendMode, SentPacketHandler, type SentPacket } from './sent-packet-handler.js';
import { ByteRanges } from './intervals.js';
import { AEAD_TAG_BYTES, PING_FRAME_BYTES, SHORT_HEADER_BYTES, UDP_IP_ETH_BYTES, streamFrameHeaderBytes } from './frames.js';
import type { QuicCcSpec, QuicCongestion } from './cc/index.js';
import { MAX_PACKET_BUFFER_SIZE, MtuFinder, UDP_IPV4_BYTES } from './mtu-discoverer.js';

export interface QuicSenderOptions {
  flow: number;
  /** Stream bytes to send, or null for a bulk sender. */
  bytes: number | null;
  startNs: number;
  stopNs: number;
  /** The controller and its parameter block (the resolved flow's, e.g. brutal's rate). */
  cc: QuicCcSpec;
  ccParams?: unknown;
  /** The datagram size it starts with. */
  maxDatagramSize: number;
  /** Path MTU discovery (quic-go's, Hysteria's default); off: the datagram size stays. */
  pmtud: boolean;
  /** The path's MTU: the largest IP packet it carries (bytes). */
  pathMtu: number;
}

/** The counters sim/run.ts reads (as a TCP sender's SenderStats). */
export class QuicStats {
  segsSent = 0;
  segsRetrans = 0;
  bytesSent = 0;
  bytesRetrans = 0;
  /** Probe timeouts. */
  rtoCount = 0;
  /** Datagrams handed to the network. */
  packetsToNetwork = 0;
  /** Packets declared lost (by threshold or time). */
  packetsLost = 0;
  readonly rttUs = new LogHistogram();
  eceAcks = 0;
  cwrSent = 0;
  /** Path MTU probes sent (dropped too big included), and of them the ones too big for the path. */
  mtuProbes = 0;
  mtuProbesTooBig = 0;
}

export class QuicSender {
  readonly flow: number;
  readonly transport = 'quic' as const;
  readonly stats = new QuicStats();
  readonly handler: SentPacketHandler;
  readonly cc: QuicCongestion;
  /** The controller's name, as a TCP sender's ca.name. */
  readonly ca: { name: string; info?: () => Record<string, number | string> };
  out: PacketSink | null = null;
  stateLog: StateLog | null = null;
  /** The datagram size now (path MTU discovery raises it). */
  maxDatagramSize: number;
  /** The path MTU discovery, null when off. */
  readonly mtu: MtuFinder | null;
  readonly pathMtu: number;
  /** When the datagram size last changed, ns (-1: never). */
  mtuRaisedNs = -1;
  /** Stream payload of a full packet of the initial size at offsets below 2^30, the time series' packet unit. */
  readonly mss: number;

  /** The next new stream byte. */
  nextOffset = 0;
  private readonly totalBytes: number;
  /** Data to send again, [offset, length] pairs in the order lost. */
  private readonly retransQueue: number[] = [];
  private retransHead = 0;
  /** Stream data the receiver has acknowledged. */
  readonly ackedData = new ByteRanges();
  /**
   * Stream bytes of the packets acknowledged so far, each packet counted
   * once when first acknowledged (in any ACK range, in order or not): the
   * time series' delivered_bytes, as TCP's tcp_sock.delivered x MSS. Data
   * resent in a new packet counts again when that packet is acknowledged.
   */
  deliveredStreamBytes = 0;
  /** The receiver's flow-control limits (offsets). */
  maxStreamData: number;
  maxData: number;

  established = false;
  stopped = false;
  finished = false;
  completionNs = -1;
  readonly ecnOk = false;
  caState = 0;
  ccMode = '';
  /** Delivery-rate sample of the last ACK: bytes in mss units over us (as tcp_get_info's). */
  rateDelivered = 0;
  rateIntervalUs = 0;

  private readonly sendTimer: Timer;
  private readonly lossTimer: Timer;
  private readonly acked: SentPacket[] = [];
  private readonly lost: SentPacket[] = [];

  constructor(
    readonly sim: Simulator,
    private readonly pool: PacketPool,
    opts: QuicSenderOptions,
  ) {
    this.flow = opts.flow;
    this.maxDatagramSize = opts.maxDatagramSize;
    this.mss = opts.maxDatagramSize - SHORT_HEADER_BYTES - AEAD_TAG_BYTES - streamFrameHeaderBytes(1 << 20);
    this.totalBytes = opts.bytes ?? Infinity;
    const rtt = new RttStats();
    this.handler = new SentPacketHandler(rtt);
    this.pathMtu = opts.pathMtu;
    this.mtu = opts.pmtud ? new MtuFinder(rtt, opts.maxDatagramSize, MAX_PACKET_BUFFER_SIZE) : null;
    if (this.mtu !== null) this.handler.onMtuProbeLost = () => this.mtu!.onLost();
    this.cc = opts.cc.create(rtt, opts.maxDatagramSize, opts.ccParams);
    this.ca = { name: this.cc.name, ...(this.cc.info ? { info: () => this.cc.info!() } : {}) };
    this.maxStreamData = opts.cc.windows.initialStream;
    this.maxData = opts.cc.windows.initialConn;
    this.sendTimer = sim.timer(() => this.sendPackets());
    this.lossTimer = sim.timer(() => this.onLossTimer());
    sim.timer(() => {
      this.established = true;
      this.sendPackets();
    }).at(opts.startNs);
    sim.timer(() => this.stop()).at(opts.stopNs);
  }

  // --- views for the run's time series ---

  get srttUs8(): number {
    return Math.floor(this.handler.rtt.smoothedRttNs / 1000) * 8;
  }
  get srttUs(): number {
    return Math.floor(this.handler.rtt.smoothedRttNs / 1000);
  }
  /** Congestion window, full packets. */
  get sndCwnd(): number {
    return Math.floor(this.cc.congestionWindow() / this.maxDatagramSize);
  }
  /** Pacing rate, bytes per second (0 when unpaced). */
  get pacingRate(): number {
    const r = this.cc.pacingRate();
    return r === Infinity ? 0 : r;
  }
  readonly pacingStatus = 1;
  /** Packets in flight. */
  get inFlight(): number {
    return this.handler.outstanding;
  }

  private stop(): void {
    this.stopped = true;
    this.sendTimer.cancel();
    this.lossTimer.cancel();
  }

  // --- sending ---

  private hasRetrans(): boolean {
    return this.retransHead < this.retransQueue.length;
  }

  /** New stream bytes that may be sent now. */
  private newAvailable(): number {
    const limit = Math.min(this.totalBytes, this.maxStreamData, this.maxData);
    return Math.max(0, limit - this.nextOffset);
  }

  private hasData(): boolean {
    return this.hasRetrans() || this.newAvailable() > 0;
  }

  private readonly canSend = (inFlight: number) => this.cc.canSend(inFlight);
  private readonly hasPacingBudget = (nowNs: number) => this.cc.hasPacingBudget(nowNs);

  /** The send loop (connection.sendPackets): send while the send mode allows. */
  sendPackets(): void {
    if (!this.established || this.stopped || this.finished) return;
    const now = this.sim.now;
    for (;;) {
      const mode = this.handler.sendMode(now, this.canSend, this.hasPacingBudget);
      if (mode === SendMode.Pto) {
        this.sendProbePacket();
        continue;
      }
      if (mode === SendMode.PacingLimited) {
        if (!this.hasData()) break;
        const t = this.cc.timeUntilSend(this.handler.bytesInFlight);
        this.sendTimer.at(Math.max(t, now));
        break;
      }
      if (mode !== SendMode.Any) break;
      if (this.mtu !== null && this.mtu.shouldSendProbe(now)) {
        this.sendMtuProbe();
        continue;
      }
      if (!this.hasData()) break;
      this.sendPacket(false);
    }
    this.armLossTimer();
  }

  /** sendProbePacket: resend the oldest outstanding packets' data until a packet goes; a PING when none. */
  private sendProbePacket(): void {
    for (;;) {
      const p = this.handler.queueProbePacket();
      if (p === null) break;
      this.requeue(p);
      if (this.hasData()) {
        this.sendPacket(false);
        return;
      }
    }
    if (this.hasData()) this.sendPacket(false);
    else this.sendPacket(true);
  }

  /** Pack and send one packet: resent data first, then new data (or only a PING). */
  private sendPacket(ping: boolean): void {
    const now = this.sim.now;
    const pn = this.handler.nextPacketNumber();
    let room = this.maxDatagramSize - SHORT_HEADER_BYTES - AEAD_TAG_BYTES;
    const frames: number[] = [];
    let payload = 0;
    let retransBytes = 0;
    if (ping) {
      room -= PING_FRAME_BYTES;
    } else {
      const q = this.retransQueue;
      while (this.retransHead < q.length) {
        const off = q[this.retransHead]!;
        const len = q[this.retransHead + 1]!;
        // data acknowledged meanwhile (a spurious loss, a probe's copy) is not sent again
        if (this.ackedData.covers(off, off + len)) {
          this.retransHead += 2;
          continue;
        }
        const hdr = streamFrameHeaderBytes(off);
        if (room <= hdr) break;
        const n = Math.min(len, room - hdr);
        frames.push(off, n);
        payload += n;
        retransBytes += n;
        room -= hdr + n;
        if (n < len) {
          q[this.retransHead] = off + n;
          q[this.retransHead + 1] = len - n;
          break;
        }
        this.retransHead += 2;
      }
      if (this.retransHead === q.length && this.retransHead > 0) {
        q.length = 0;
        this.retransHead = 0;
      } else if (this.retransHead > 4096) {
        q.splice(0, this.retransHead);
        this.retransHead = 0;
      }
      const avail = this.newAvailable();
      const hdr = streamFrameHeaderBytes(this.nextOffset);
      if (avail > 0 && room > hdr) {
        const n = Math.min(avail, room - hdr);
        frames.push(this.nextOffset, n);
        this.nextOffset += n;
        payload += n;
        room -= hdr + n;
      }
    }
    const datagram = this.maxDatagramSize - room;
    const sp: SentPacket = { pn, sendNs: now, bytes: datagram, frames, retransBytes, deliveredAtSend: this.handler.delivered, deliveredNsAtSend: this.handler.deliveredNs };
    this.handler.onPacketSent(sp);
    this.cc.onPacketSent(now, this.handler.bytesInFlight, pn, datagram, true);
    const st = this.stats;
    st.segsSent++;
    st.packetsToNetwork++;
    st.bytesSent += payload;
    if (retransBytes > 0) {
      st.segsRetrans++;
      st.bytesRetrans += retransBytes;
    }
    const p = this.pool.data(this.flow, pn, payload, 0, 0);
    p.wireBytes = datagram + UDP_IP_ETH_BYTES;
    p.quic = { stream: frames, ackRanges: null, ackDelayNs: 0, maxStreamData: -1, maxData: -1 };
    this.out!.receive(p);
  }

  /**
   * PackMTUProbePacket: a PING padded to the probe's size, in flight and
   * paced like any packet; dropped before the link when the path's MTU is
   * smaller.
   */
  private sendMtuProbe(): void {
    const now = this.sim.now;
    const size = this.mtu!.nextProbe(now);
    const pn = this.handler.nextPacketNumber();
    const sp: SentPacket = { pn, sendNs: now, bytes: size, frames: [], retransBytes: 0, deliveredAtSend: this.handler.delivered, deliveredNsAtSend: this.handler.deliveredNs, mtuProbe: true };
    this.handler.onPacketSent(sp);
    this.cc.onPacketSent(now, this.handler.bytesInFlight, pn, size, true);
    this.stats.mtuProbes++;
    if (size + UDP_IPV4_BYTES > this.pathMtu) {
      this.stats.mtuProbesTooBig++;
      return;
    }
    this.stats.packetsToNetwork++;
    const p = this.pool.data(this.flow, pn, 0, 0, 0);
    p.wireBytes = size + UDP_IP_ETH_BYTES;
    p.quic = { stream: [], ackRanges: null, ackDelayNs: 0, maxStreamData: -1, maxData: -1 };
    this.out!.receive(p);
  }

  /** SetMaxDatagramSize: an acknowledged probe's size becomes the datagram size, for the packer and the controller. */
  private setMaxDatagramSize(bytes: number): void {
    this.maxDatagramSize = bytes;
    this.mtuRaisedNs = this.sim.now;
    this.cc.setMaxDatagramSize(bytes);
  }

  /** Put a packet's stream data back to be sent again. */
  private requeue(p: SentPacket): void {
    const f = p.frames;
    for (let i = 0; i < f.length; i += 2) this.retransQueue.push(f[i]!, f[i + 1]!);
  }

  private armLossTimer(): void {
    const t = this.handler.lossDetectionTimeout();
    if (t < 0 || this.stopped) this.lossTimer.cancel();
    else this.lossTimer.at(Math.max(t, this.sim.now));
  }

  private onLossTimer(): void {
    if (this.stopped || this.finished) return;
    const now = this.sim.now;
    const prior = this.handler.bytesInFlight;
    const what = this.handler.onLossDetectionTimeout(now, this.lost);
    if (what === 'pto') {
      this.stats.rtoCount++;
    } else if (this.lost.length > 0) {
      this.onLost();
      this.cc.onCongestionEvent(prior, now, [], this.lost);
    }
    this.sendPackets();
  }

  private onLost(): void {
    this.stats.packetsLost += this.lost.length;
    for (const p of this.lost) this.requeue(p);
  }

  // --- ACKs ---

  /** A packet from the receiver: its flow-control limits and ACK frame. */
  receive(p: Packet): void {
    const f = p.quic;
    const now = this.sim.now;
    this.pool.release(p);
    if (f === null || this.stopped || this.finished) return;
    if (f.maxStreamData > this.maxStreamData) this.maxStreamData = f.maxStreamData;
    if (f.maxData > this.maxData) this.maxData = f.maxData;
    if (f.ackRanges !== null && f.ackRanges[1]! <= this.handler.largestSent) {
      const { priorInFlight, rttSampleNs } = this.handler.onAckReceived({ ranges: f.ackRanges, ackDelayNs: f.ackDelayNs }, now, this.acked, this.lost);
      if (rttSampleNs > 0) {
        // the handshake is confirmed with the first RTT sample: path MTU discovery starts
        if (this.mtu !== null && this.mtu.lastProbeNs < 0) this.mtu.start(now);
        this.stats.rttUs.record(rttSampleNs / 1000);
        this.cc.maybeExitSlowStart();
      }
      if (this.acked.length > 0) {
        let largest: SentPacket | null = null;
        for (const a of this.acked) {
          if (a.mtuProbe === true) this.setMaxDatagramSize(this.mtu!.onAcked());
          for (let i = 0; i < a.frames.length; i += 2) {
            this.ackedData.add(a.frames[i]!, a.frames[i]! + a.frames[i + 1]!);
            this.deliveredStreamBytes += a.frames[i + 1]!;
          }
          largest = a;
        }
        const intervalNs = now - largest!.sendNs;
        if (intervalNs > 0) {
          this.rateDelivered = (this.handler.delivered - largest!.deliveredAtSend) / this.mss;
          this.rateIntervalUs = intervalNs / 1000;
        }
        this.onLost();
        this.cc.onCongestionEvent(priorInFlight, now, this.acked, this.lost);
        this.noteMode();
        if (this.ackedData.prefix >= this.totalBytes) {
          this.finished = true;
          this.completionNs = now;
          this.sendTimer.cancel();
          this.lossTimer.cancel();
          return;
        }
      }
    }
    this.sendPackets();
  }

  /** Log the controller's mode and recovery state when they change. */
  private noteMode(): void {
    const mode = this.cc.mode();
    if (mode !== this.ccMode) {
      if (this.ccMode !== '' && this.stateLog !== null) this.stateLog.record(this.sim.now, this.flow, 'cc_mode', this.ccMode, mode);
      this.ccMode = mode;
    }
    const state = this.cc.inRecovery() ? 3 : 0;
    if (state !== this.caState) {
      if (this.stateLog !== null) this.stateLog.record(this.sim.now, this.flow, 'ca_state', state === 3 ? 'Open' : 'Recovery', state === 3 ? 'Recovery' : 'Open');
      this.caState = state;
    }
  }
}
