/**
 * The receiving end of a QUIC connection carrying one bulk stream: quic-go's
 * received-packet tracker (ACK frequency, received_packet_tracker.ts), the
 * stream's reassembly and a bulk-reading application, and flow control with
 * auto-tuning (flow-control.ts).
 *
 * Model in plain words. Each arriving packet's number goes to the tracker
 * and its STREAM data to the reassembly buffer; the application reads every
 * byte as soon as all before it are there (goodput counts those bytes), as
 * Hysteria's client copies a stream to its local socket. When the reader has
 * used a quarter of a window, a window update is due: the receiver sends a
 * packet at once with the new limits and an ACK of everything so far (as
 * quic-go's packer adds an ACK to every packet it can). Otherwise an ACK
 * goes when the tracker says one is due, or when the ACK alarm (max_ack_delay)
 * fires.
 *
 * Simplifications: the receiver's packets are not ack-eliciting (quic-go's
 * window-update packets are, and the sender acknowledges them in its data
 * packets); instead every packet the receiver sends carries its current
 * limits, so a lost update is repaired by the next ACK. The receiver's
 * smoothed RTT (for auto-tuning) is the sender's.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import type { Packet, PacketPool, PacketSink } from '../network/packet.js';
import { ReceivedPacketTracker } from './received-packet-tracker.js';
import { ByteRanges } from './intervals.js';
import { CONN_FLOW_CONTROL_MULTIPLIER, FlowController } from './flow-control.js';
import { AEAD_TAG_BYTES, SHORT_HEADER_BYTES, UDP_IP_ETH_BYTES, ackFrameBytes, maxDataBytes, maxStreamDataBytes } from './frames.js';
import type { QuicWindows } from './cc/index.js';

export class QuicReceiver {
  out: PacketSink | null = null;
  readonly tracker = new ReceivedPacketTracker();
  readonly stream = new ByteRanges();
  readonly streamFc: FlowController;
  readonly connFc: FlowController;
  /** Stream bytes read by the application (in order). */
  bytesDelivered = 0;
  /** Data packets that arrived (for the conservation check). */
  packetsArrived = 0;
  readonly synsArrived = 0;
  readonly ceArrived = 0;
  /** Packets the receiver sent (ACKs, window updates). */
  packetsSent = 0;
  private readonly ackTimer: Timer;

  constructor(
    private readonly sim: Simulator,
    private readonly pool: PacketPool,
    readonly flow: number,
    windows: QuicWindows,
    srttNs: () => number,
  ) {
    this.streamFc = new FlowController(windows.initialStream, windows.maxStream, srttNs);
    this.connFc = new FlowController(windows.initialConn, windows.maxConn, srttNs);
    this.ackTimer = sim.timer(() => {
      if (this.tracker.ackDue(this.sim.now)) this.sendAck(false);
    });
  }

  receive(p: Packet): void {
    const now = this.sim.now;
    this.packetsArrived++;
    const f = p.quic;
    this.tracker.receivedPacket(p.seg, now, true);
    const frames = f?.stream;
    this.pool.release(p);
    if (frames) {
      for (let i = 0; i < frames.length; i += 2) {
        const n = this.stream.add(frames[i]!, frames[i]! + frames[i + 1]!);
        if (n > 0) {
          this.bytesDelivered += n;
          this.streamFc.addBytesRead(n, now);
          this.connFc.addBytesRead(n, now);
        }
      }
    }
    const streamUpdate = this.streamFc.getWindowUpdate(now);
    if (streamUpdate > 0) this.connFc.ensureMinimumWindowSize(Math.trunc(this.streamFc.receiveWindowSize * CONN_FLOW_CONTROL_MULTIPLIER), now);
    const connUpdate = this.connFc.getWindowUpdate(now);
    if (streamUpdate > 0 || connUpdate > 0) {
      this.sendAck(true, streamUpdate > 0, connUpdate > 0);
    } else if (this.tracker.ackDue(now)) {
      this.sendAck(false);
    } else if (this.tracker.ackAlarmNs >= 0) {
      this.ackTimer.at(this.tracker.ackAlarmNs);
    }
  }

  /** Send a packet with an ACK frame (when there is one) and the flow-control limits. */
  private sendAck(windowUpdate: boolean, streamUpdate = false, connUpdate = false): void {
    const now = this.sim.now;
    const ack = this.tracker.getAckFrame(now, !windowUpdate);
    if (ack === null && !windowUpdate) return;
    this.ackTimer.cancel();
    let frameBytes = ack ? ackFrameBytes(ack.ranges, ack.ackDelayNs) : 0;
    if (streamUpdate) frameBytes += maxStreamDataBytes(this.streamFc.receiveWindow);
    if (connUpdate) frameBytes += maxDataBytes(this.connFc.receiveWindow);
    const p = this.pool.ack(this.flow, ack ? ack.ranges[1]! : -1, 0, 0, 0);
    p.wireBytes = SHORT_HEADER_BYTES + frameBytes + AEAD_TAG_BYTES + UDP_IP_ETH_BYTES;
    p.quic = { stream: null, ackRanges: ack ? ack.ranges : null, ackDelayNs: ack ? ack.ackDelayNs : 0, maxStreamData: this.streamFc.receiveWindow, maxData: this.connFc.receiveWindow };
    this.packetsSent++;
    this.out!.receive(p);
  }
}
