/**
 * The receiver's advertised window and its automatic growth, as Linux 6.1
 * does it (tcp_input.c: tcp_grow_window, tcp_rcv_space_adjust,
 * tcp_init_buffer_space; tcp_output.c: __tcp_select_window).
 *
 * Model in plain words. The receive buffer starts at tcp_rmem[1] (128 KB) and
 * the first window offered is 64 KB. Two mechanisms open it:
 *   - rcv_ssthresh, the window the receiver is willing to offer, grows by
 *     two segments for every full-sized in-order segment (tcp_grow_window),
 *     so it roughly triples per round trip, but never beyond the buffer;
 *   - once per receiver-measured RTT, if the application read more than in
 *     the previous RTT, the buffer grows to hold about twice that, plus a
 *     share of the growth (tcp_rcv_space_adjust, "dynamic right-sizing"), up
 *     to tcp_rmem[2].
 * Out-of-order segments held for a hole take buffer space (counted at their
 * skb truesize), so heavy loss shrinks the window offered. The window is
 * never shrunk below what was already offered. This matters where the
 * sender opens faster than the receiver (BBR's STARTUP at 2.89x per round
 * trip, Brutal's fixed window): Linux senders there are receive-window
 * limited for the first round trips of a long path, and cclab reproduces it.
 *
 * Byte quantities are bytes; times are microseconds.
 */

/** sysctl_tcp_rmem[1]: the receive buffer a socket starts with. */
export const TCP_RMEM_DEFAULT = 131072;
/** sysctl_tcp_adv_win_scale = 1: half of the buffer is window, half overhead. */
const ADV_WIN_SCALE = 1;
/**
 * skb truesize of a received data segment beyond its payload (page-frag and
 * skb head overhead): a full 1448-byte segment is charged 2728 bytes.
 */
const SEGMENT_OVERHEAD = 2728 - 1448;

/** skb truesize of one received data segment of `mss` payload bytes. */
export function segmentTruesize(mss: number): number {
  return mss + SEGMENT_OVERHEAD;
}
/** MAX_TCP_HEADER on Debian's x86_64 6.1 config. */
const MAX_TCP_HEADER = 320;
/** SKB_TRUESIZE(x) = x + aligned sizeof(sk_buff) (256) + aligned sizeof(skb_shared_info) (320). */
function skbTruesize(x: number): number {
  return x + 256 + 320;
}

/** tcp_win_from_space(): the part of a buffer that can be window. */
export function winFromSpace(space: number): number {
  return ADV_WIN_SCALE <= 0 ? space >> -ADV_WIN_SCALE : space - (space >> ADV_WIN_SCALE);
}

export class ReceiveWindow {
  /** sk_rcvbuf, bytes. */
  rcvbuf = TCP_RMEM_DEFAULT;
  /** tcp_rmem[2]: the largest the buffer may grow to. */
  readonly rmemMax: number;
  /** Window scale the receiver announced (rcv_wscale). */
  readonly wscale: number;
  windowClamp: number;
  rcvSsthresh: number;
  /** Bytes of out-of-order data held, at truesize (part of sk_rmem_alloc). */
  rmemAlloc = 0;
  // rcvq_space: what the application read in the last measured RTT
  private spaceBytes: number;
  private spaceSeq = 0;
  private spaceTimeUs = 0;
  /** Receiver's RTT estimate (rcv_rtt_est.rtt_us, scaled by 8); 0 = none yet. */
  rttUs8 = 0;
  private rttEstSeq = 0;
  private rttEstTimeUs = 0;
  private lastTsecr = 0;

  constructor(
    readonly advmss: number,
    /** The scenario's largest window (`rwnd`): Linux's tcp_rmem[2] is twice it. */
    maxWindowBytes: number,
  ) {
    this.segTruesize = segmentTruesize(advmss);
    this.rmemMax = Math.max(TCP_RMEM_DEFAULT, 2 * maxWindowBytes);
    // tcp_select_initial_window(): scale so the largest buffer fits in 16 bits
    const space = Math.max(this.rmemMax, TCP_RMEM_DEFAULT);
    this.wscale = Math.min(14, Math.max(0, Math.floor(Math.log2(space)) - 15));
    // initial window: the full space of the default buffer, whole segments, at most 64 KB
    const full = winFromSpace(this.rcvbuf);
    const initialWnd = Math.min(full - (full % advmss), 65535);
    // tcp_init_buffer_space(): clamp to the full space, reserving one segment (tcp_app_win)
    let clamp = full;
    if (clamp > 2 * advmss && clamp + advmss > full) clamp = Math.max(2 * advmss, full - advmss);
    this.windowClamp = clamp;
    this.rcvSsthresh = Math.min(initialWnd, clamp);
    this.spaceBytes = Math.min(this.rcvSsthresh, initialWnd, 10 * advmss);
    this.initialWindow = initialWnd;
  }

  /** skb truesize of one full-sized received segment, bytes. */
  readonly segTruesize: number;

  /** The window offered in the SYN-ACK (not scaled). */
  readonly initialWindow: number;

  /** tcp_init_buffer_space() at connection time: start the first measurement period. */
  start(nowUs: number, copiedBytes: number): void {
    this.spaceTimeUs = nowUs;
    this.spaceSeq = copiedBytes;
  }

  /** tcp_space(): window that the free part of the buffer could hold. */
  space(): number {
    return winFromSpace(this.rcvbuf - this.rmemAlloc);
  }

  /** tcp_full_space(). */
  fullSpace(): number {
    return winFromSpace(this.rcvbuf);
  }

  /** tcp_grow_window(): an in-order segment of `len` bytes arrived. */
  growWindow(len: number): void {
    if (len < 128) return;
    const room = Math.min(this.windowClamp, this.space()) - this.rcvSsthresh;
    if (room <= 0) return;
    // a full-sized segment's truesize fits twice in its length of window: grow by two segments
    let incr = 0;
    if (winFromSpace(this.segTruesize) <= len) incr = 2 * this.advmss;
    else incr = this.growWindowSlow(len);
    if (incr) {
      incr = Math.max(incr, 2 * len);
      this.rcvSsthresh += Math.min(room, incr);
    }
  }

  /**
   * __tcp_grow_window(): a segment whose overhead is too large to pay for
   * itself may still grow the window while rcv_ssthresh is small next to
   * the largest buffer: halve the overhead and the limit until it fits.
   */
  private growWindowSlow(len: number): number {
    let truesize = winFromSpace(this.segTruesize) >> 1;
    let window = winFromSpace(this.rmemMax) >> 1;
    while (this.rcvSsthresh <= window) {
      if (truesize <= len) return 2 * this.advmss;
      truesize >>= 1;
      window >>= 1;
    }
    return 0;
  }

  /** tcp_rcv_rtt_measure_ts(): RTT from the echo of our own timestamp (ms clock). */
  rttMeasureTs(tsecr: number, nowMs: number, len: number): void {
    if (tsecr === 0 || tsecr === this.lastTsecr) return;
    this.lastTsecr = tsecr;
    if (len < this.advmss) return;
    let delta = nowMs - tsecr;
    if (delta < 0) return;
    if (delta === 0) delta = 1;
    this.rttUpdate(delta * 1000, false);
  }

  /** tcp_rcv_rtt_measure(): RTT as the time to receive one window of data. */
  rttMeasureWindow(rcvNxtBytes: number, rcvWndBytes: number, nowUs: number): void {
    if (this.rttEstTimeUs !== 0) {
      if (rcvNxtBytes < this.rttEstSeq) return;
      const delta = Math.max(1, nowUs - this.rttEstTimeUs);
      this.rttUpdate(delta, true);
    }
    this.rttEstSeq = rcvNxtBytes + rcvWndBytes;
    this.rttEstTimeUs = nowUs;
  }

  /** tcp_rcv_rtt_update(). */
  private rttUpdate(sampleUs: number, winDep: boolean): void {
    let m = sampleUs;
    let est = this.rttUs8;
    if (est !== 0) {
      if (!winDep) {
        m -= est >> 3;
        est += m;
      } else {
        m <<= 3;
        if (m < est) est = m;
      }
    } else {
      est = m << 3;
    }
    this.rttUs8 = est;
  }

  /**
   * tcp_rcv_space_adjust(): the application has read up to `copiedBytes`
   * (copied_seq); once per receiver RTT, grow the buffer to what the last RTT
   * needed.
   */
  spaceAdjust(copiedBytes: number, nowUs: number): void {
    const time = nowUs - this.spaceTimeUs;
    if (time < this.rttUs8 >> 3 || this.rttUs8 === 0) return;
    const copied = copiedBytes - this.spaceSeq;
    if (copied > this.spaceBytes) {
      let rcvwin = 2 * copied + 16 * this.advmss;
      const grow = Math.floor((rcvwin * (copied - this.spaceBytes)) / this.spaceBytes);
      rcvwin += 2 * grow;
      let rcvmem = skbTruesize(this.advmss + MAX_TCP_HEADER);
      while (winFromSpace(rcvmem) < this.advmss) rcvmem += 128;
      rcvwin = Math.floor(rcvwin / this.advmss);
      const rcvbuf = Math.min(rcvwin * rcvmem, this.rmemMax);
      if (rcvbuf > this.rcvbuf) {
        this.rcvbuf = rcvbuf;
        this.windowClamp = winFromSpace(rcvbuf);
      }
      this.spaceBytes = copied;
    }
    this.spaceSeq = copiedBytes;
    this.spaceTimeUs = nowUs;
  }

  /**
   * __tcp_select_window(): the window to offer now (bytes), before the
   * never-shrink rule. Returns 0 to announce a zero window.
   */
  selectWindow(): number {
    const mss = this.advmss;
    let freeSpace = this.space();
    const allowed = this.fullSpace();
    const full = Math.min(this.windowClamp, allowed);
    const unit = 1 << this.wscale;
    if (freeSpace < full >> 1) {
      freeSpace -= freeSpace % unit;
      if (freeSpace < allowed >> 4 || freeSpace < Math.min(mss, full)) return 0;
    }
    if (freeSpace > this.rcvSsthresh) freeSpace = this.rcvSsthresh;
    return Math.ceil(freeSpace / unit) * unit;
  }
}
