/**
 * The retransmission queue: one record per segment sent and not yet
 * cumulatively acknowledged, kept in a ring indexed by segment number
 * (struct-of-arrays, so a window of 100k segments costs a few MB and no
 * objects). It holds what Linux keeps in each skb's control block:
 *
 *   flags          TCPCB_SACKED_ACKED / SACKED_RETRANS / LOST / EVER_RETRANS
 *   txUs           send time of the last transmission (skb_mstamp, us)
 *   txDelivered, txDeliveredMstamp, txFirstTxMstamp, txAppLimited
 *                  the rate-sampling snapshot of tcp_rate_skb_sent()
 *   txInFlight, txLost, txDeliveredCe
 *                  what BBRv3's core adds to it (tx.in_flight, tx.lost,
 *                  tx.delivered_ce)
 *
 * plus the "time-sorted" list (tp->tsorted_sent_queue) that RACK walks:
 * segments not yet SACKed, in order of their last transmission.
 */

export const TCPCB_SACKED_ACKED = 0x01;
export const TCPCB_SACKED_RETRANS = 0x02;
export const TCPCB_LOST = 0x04;
export const TCPCB_EVER_RETRANS = 0x80;
export const TCPCB_RETRANS = TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS;

const NIL = -1;

export class Scoreboard {
  /** First segment held (snd_una after the last cleanup). */
  base = 0;
  /** One past the last segment held (snd_nxt). */
  end = 0;
  private mask: number;
  flags: Uint8Array;
  txUs: Float64Array;
  txDelivered: Float64Array;
  txDeliveredMstamp: Float64Array;
  txFirstTxMstamp: Float64Array;
  txAppLimited: Uint8Array;
  txInFlight: Float64Array;
  txLost: Float64Array;
  txDeliveredCe: Float64Array;
  private prev: Float64Array;
  private next: Float64Array;
  /** inTs[i] = 1 while the segment is on the time-sorted list. */
  private inTs: Uint8Array;
  /** Time-sorted list: head (oldest transmission) and tail, as segment numbers; -1 = empty. */
  tsHead = NIL;
  tsTail = NIL;

  constructor(initialCapacity = 1024) {
    let cap = 64;
    while (cap < initialCapacity) cap *= 2;
    this.mask = cap - 1;
    this.flags = new Uint8Array(cap);
    this.txUs = new Float64Array(cap);
    this.txDelivered = new Float64Array(cap);
    this.txDeliveredMstamp = new Float64Array(cap);
    this.txFirstTxMstamp = new Float64Array(cap);
    this.txAppLimited = new Uint8Array(cap);
    this.txInFlight = new Float64Array(cap);
    this.txLost = new Float64Array(cap);
    this.txDeliveredCe = new Float64Array(cap);
    this.prev = new Float64Array(cap);
    this.next = new Float64Array(cap);
    this.inTs = new Uint8Array(cap);
  }

  /** Ring slot of a segment. */
  slot(seg: number): number {
    return seg & this.mask;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Add the next new segment (snd_nxt) with cleared state; returns its slot. */
  append(): number {
    if (this.end - this.base >= this.mask + 1) this.grow();
    const i = this.end & this.mask;
    this.flags[i] = 0;
    this.prev[i] = NIL;
    this.next[i] = NIL;
    this.inTs[i] = 0;
    this.end++;
    return i;
  }

  /** Drop segments below `seg` (they are cumulatively acknowledged). */
  advanceBase(seg: number): void {
    this.base = seg;
  }

  // --- time-sorted list ---

  isOnTsList(seg: number): boolean {
    return this.inTs[seg & this.mask] === 1;
  }

  tsRemove(seg: number): void {
    const i = seg & this.mask;
    if (this.inTs[i] !== 1) return;
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p === NIL) this.tsHead = n;
    else this.next[p & this.mask] = n;
    if (n === NIL) this.tsTail = p;
    else this.prev[n & this.mask] = p;
    this.inTs[i] = 0;
    this.prev[i] = NIL;
    this.next[i] = NIL;
  }

  /** Move (or add) a segment to the tail of the time-sorted list (list_move_tail). */
  tsMoveTail(seg: number): void {
    this.tsRemove(seg);
    const i = seg & this.mask;
    this.prev[i] = this.tsTail;
    this.next[i] = NIL;
    if (this.tsTail === NIL) this.tsHead = seg;
    else this.next[this.tsTail & this.mask] = seg;
    this.tsTail = seg;
    this.inTs[i] = 1;
  }

  tsNext(seg: number): number {
    return this.next[seg & this.mask]!;
  }

  private grow(): void {
    const oldMask = this.mask;
    const cap = (oldMask + 1) * 2;
    const mask = cap - 1;
    const remap = <T extends Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      for (let s = this.base; s < this.end; s++) b[s & mask] = a[s & oldMask]!;
      return b;
    };
    const u8 = (n: number) => new Uint8Array(n);
    const f64 = (n: number) => new Float64Array(n);
    this.flags = remap(this.flags, u8);
    this.txUs = remap(this.txUs, f64);
    this.txDelivered = remap(this.txDelivered, f64);
    this.txDeliveredMstamp = remap(this.txDeliveredMstamp, f64);
    this.txFirstTxMstamp = remap(this.txFirstTxMstamp, f64);
    this.txAppLimited = remap(this.txAppLimited, u8);
    this.txInFlight = remap(this.txInFlight, f64);
    this.txLost = remap(this.txLost, f64);
    this.txDeliveredCe = remap(this.txDeliveredCe, f64);
    this.prev = remap(this.prev, f64);
    this.next = remap(this.next, f64);
    this.inTs = remap(this.inTs, u8);
    this.mask = mask;
  }
}
