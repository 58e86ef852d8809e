/**
 * The receiving side's flow control with window auto-tuning, as quic-go's
 * baseFlowController (internal/flowcontrol/base_flow_controller.go), one for
 * the stream and one for the connection.
 *
 * Model in plain words. The receiver lets the sender send up to an offset
 * (the window: bytes read by the application + the window size). When a
 * quarter of the window has been read (at most 3/4 of it left,
 * WindowUpdateThreshold 0.25) it sends a new limit (MAX_STREAM_DATA,
 * MAX_DATA). Before it does, auto-tuning: if more than half the window was
 * read since the last update and that took less than 4 x smoothed RTT x the
 * fraction read, the window doubles, up to its maximum; a new epoch starts.
 * The connection's window is kept at least 1.5x the stream's
 * (ConnectionFlowControlMultiplier). The application reads every byte as
 * soon as it is in order (a bulk reader).
 *
 * Times in ns, sizes in bytes.
 */

/** protocol.WindowUpdateThreshold. */
export const WINDOW_UPDATE_THRESHOLD = 0.25;
/** protocol.ConnectionFlowControlMultiplier. */
export const CONN_FLOW_CONTROL_MULTIPLIER = 1.5;

export class FlowController {
  bytesRead = 0;
  /** The offset the sender may send up to. */
  receiveWindow: number;
  receiveWindowSize: number;
  epochStartNs = 0;
  epochStartOffset = 0;

  constructor(
    initialWindow: number,
    readonly maxReceiveWindowSize: number,
    private readonly srttNs: () => number,
  ) {
    this.receiveWindow = initialWindow;
    this.receiveWindowSize = initialWindow;
  }

  /** AddBytesRead: the application read n bytes (the first read starts the first epoch). */
  addBytesRead(n: number, nowNs: number): void {
    if (this.bytesRead === 0) this.startNewAutoTuningEpoch(nowNs);
    this.bytesRead += n;
  }

  hasWindowUpdate(): boolean {
    const remaining = this.receiveWindow - this.bytesRead;
    return remaining <= this.receiveWindowSize * (1 - WINDOW_UPDATE_THRESHOLD);
  }

  /** GetWindowUpdate: the new limit to send, or 0 when none is due. */
  getWindowUpdate(nowNs: number): number {
    if (!this.hasWindowUpdate()) return 0;
    this.maybeAdjustWindowSize(nowNs);
    this.receiveWindow = this.bytesRead + this.receiveWindowSize;
    return this.receiveWindow;
  }

  private maybeAdjustWindowSize(nowNs: number): void {
    const readInEpoch = this.bytesRead - this.epochStartOffset;
    if (readInEpoch <= this.receiveWindowSize / 2) return;
    const rtt = this.srttNs();
    if (rtt === 0) return;
    const fraction = readInEpoch / this.receiveWindowSize;
    if (nowNs - this.epochStartNs < Math.trunc(4 * fraction * rtt)) {
      this.receiveWindowSize = Math.min(2 * this.receiveWindowSize, this.maxReceiveWindowSize);
    }
    this.startNewAutoTuningEpoch(nowNs);
  }

  /** EnsureMinimumWindowSize (the connection's, when a stream's window grew). */
  ensureMinimumWindowSize(inc: number, nowNs: number): void {
    if (inc > this.receiveWindowSize) {
      this.receiveWindowSize = Math.min(inc, this.maxReceiveWindowSize);
      this.startNewAutoTuningEpoch(nowNs);
    }
  }

  private startNewAutoTuningEpoch(nowNs: number): void {
    this.epochStartNs = nowNs;
    this.epochStartOffset = this.bytesRead;
  }
}
