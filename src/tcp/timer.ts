/**
 * When the retransmission timer fires, as Linux 6.1's tcp_timer.c
 * (tcp_write_timer_handler, tcp_retransmit_timer) and the SYN's
 * retransmission. Arming the timer is xmit_timer.ts.
 *
 * Model in plain words. The one timer fires for what it was last armed for:
 *   - RACK's reordering timeout: segments whose reordering window ran out
 *     are marked lost, and Recovery starts (recovery.ts);
 *   - the tail loss probe: one segment goes out to draw an ACK that reveals
 *     a lost tail (output.ts);
 *   - the RTO: the Loss state (recovery.ts), the oldest outstanding segment
 *     is retransmitted, and the RTO doubles (exponential backoff, at most
 *     120 s) until an RTT sample resets it.
 * Before the handshake completes, the timer retransmits the SYN (1 s,
 * doubling). All timers run on the jiffies clock (4 ms at HZ=250).
 */
import { TCP_RTO_MAX_JIFFIES } from './constants.js';
import type { AckState } from './input.js';
import { retransmitSkb, sendLossProbe, sendSyn } from './output.js';
import { enterLoss, rackReoTimeout } from './recovery.js';
import { mstampRefresh, XmitTimer } from './sock.js';
import { resetXmitTimerRaw } from './xmit_timer.js';

/** The connection state the timer handlers read and write. */
export interface TimerState extends AckState {
  synRetries: number;
  synSentNs: number;
}

/** tcp_write_timer_handler(): the retransmission timer fired; do what it was armed for. */
export function writeTimerHandler(tp: TimerState): void {
  mstampRefresh(tp);
  const event = tp.pending;
  if (!tp.established) {
    synRetransmitTimer(tp);
    return;
  }
  if (tp.finished) {
    tp.pending = XmitTimer.None;
    return;
  }
  switch (event) {
    case XmitTimer.ReoTimeout:
      rackReoTimeout(tp);
      break;
    case XmitTimer.LossProbe:
      sendLossProbe(tp);
      break;
    case XmitTimer.Retrans:
      tp.pending = XmitTimer.None;
      retransmitTimer(tp);
      break;
    default:
      break;
  }
}

/** tcp_retransmit_timer(): the RTO fired: enter Loss, retransmit the oldest segment, back off. */
export function retransmitTimer(tp: TimerState): void {
  if (tp.packetsOut === 0) return;
  tp.stats.rtoCount++;
  tp.stats.rtoTimesNs.push(tp.sim.now);
  enterLoss(tp);
  tp.retransmits++;
  retransmitSkb(tp, tp.sndUna);
  tp.backoff++;
  tp.rtoJiffies = Math.min(tp.rtoJiffies * 2, TCP_RTO_MAX_JIFFIES);
  resetXmitTimerRaw(tp, XmitTimer.Retrans, tp.rtoJiffies);
}

/** tcp_retransmit_timer() in SYN_SENT: send the SYN again (its timer doubles, sendSyn). */
function synRetransmitTimer(tp: TimerState): void {
  tp.synRetries++;
  tp.synSentNs = tp.sim.now;
  sendSyn(tp);
}
