/**
 * DCTCP (Data Center TCP), as Linux 6.1's net/ipv4/tcp_dctcp.c and
 * tcp_dctcp.h: Reno driven by the fraction of CE-marked packets.
 *
 * Model in plain words. The network marks packets CE instead of dropping
 * them once its queue passes a threshold K (RED with min = max = K, or
 * fq_codel's ce_threshold). The receiver echoes each packet's mark exactly:
 * its ACKs carry ECE while the data it acknowledges was marked, and a change
 * of mark is ACKed at once (so the sender learns how many packets, not
 * just that some were, were marked). The sender counts the packets
 * delivered by ECE ACKs (tp->delivered_ce) and, once per window of data
 * (when snd_una passes the snd_nxt of the previous update), updates
 *
 *   alpha = (1 - g) * alpha + g * F,   F = marked / delivered in the window,
 *
 * an estimate of how often the queue is past K, with g = 1/2^shift_g
 * (1/16 by default) and alpha scaled so that 1024 means 1. On an ECE ACK the
 * stack enters CWR once per window and asks for ssthresh, which is
 *
 *   cwnd - cwnd * alpha / 2    (at least 2 packets),
 *
 * so a queue that is rarely past K costs little, and one always past K
 * halves the window as Reno would. The window grows as Reno's (slow start,
 * then one packet per RTT). A real loss is still a loss: entering Recovery
 * or an RTO halves cwnd (dctcp_react_to_loss), and undo restores the window
 * from before the last reduction.
 *
 * A connection where ECN was not agreed falls back to plain Reno
 * (dctcp_reno), as the module does. The kernel's arithmetic is u32; here
 * every value stays far below 2^53, so it is exact.
 *
 * The receiving side's half, dctcp_ece_ack_update() (tcp_dctcp.h), runs on
 * the receiver (rcvCeEvent): a per-connection CE state (was the last
 * segment marked?); on a change, an ACK that was being delayed goes out at
 * once for the data before the change, with the old ECE value, and the
 * next ACK is sent immediately; ECE then mirrors the state, without
 * waiting for CWR.
 */
import { CA_EVENT_ECN_IS_CE, CA_EVENT_LOSS, CA_RECOVERY, type AckSock, type CaEvent, type CaState, type CongestionOps, type TcpSock } from '../tcp/types.js';
import { renoCongAvoid, renoSsthresh, renoUndoCwnd } from './reno.js';
import type { CcSpec } from './spec.js';

/** DCTCP_MAX_ALPHA: alpha's scale, 1024 = every packet marked. */
export const DCTCP_MAX_ALPHA = 1024;
/** dctcp_shift_g's default: g = 1/2^4 = 1/16. */
export const DCTCP_SHIFT_G_DEFAULT = 4;
/** dctcp_shift_g's limits (param_set_uint_minmax(val, kp, 0, 10)). */
export const DCTCP_SHIFT_G_MAX = 10;
/** ssthresh = cwnd - cwnd * alpha >> 11: half of alpha's 10-bit fraction. */
const DCTCP_SSTHRESH_SHIFT = 11;

export interface DctcpParams {
  /** dctcp_shift_g: the EWMA gain g = 1/2^shift_g. */
  shiftG: number;
  /** dctcp_alpha_on_init: alpha at the start of a connection (1024 = 1.0). */
  alphaOnInit: number;
}

/** struct dctcp: one connection's DCTCP state (both halves: sender and receiver). */
export class DctcpState {
  /** tp->delivered at the start of the observation window. */
  oldDelivered = 0;
  /** tp->delivered_ce at the start of the observation window. */
  oldDeliveredCe = 0;
  /** Receiver: rcv_nxt after the previous data segment. */
  priorRcvNxt = 0;
  /** The marked fraction's moving average, 1024 = 1. */
  alpha = 0;
  /** The window ends when snd_una reaches this (snd_nxt when it began). */
  nextSeq = 0;
  /** Receiver: 1 if the last data segment was CE-marked. */
  ceState = 0;
  /** cwnd before the last reduction, for undo. */
  lossCwnd = 0;
  /** ECN was not agreed: the connection runs dctcp_reno. */
  renoFallback = false;
}

/** dctcp_reset(): start a new observation window at snd_nxt. */
export function dctcpReset(ca: DctcpState, tp: TcpSock): void {
  ca.nextSeq = tp.sndNxt;
  ca.oldDelivered = tp.delivered;
  ca.oldDeliveredCe = tp.deliveredCe;
}

/** min_not_zero(a, b): the smaller of the two that are not 0. */
function minNotZero(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/**
 * dctcp_update_alpha() (in_ack_event): once snd_una has passed the
 * window's end, fold its marked fraction into alpha and start a new window.
 * alpha decays by alpha >> g (all of it once that is 0), then gains
 * (marked << (10 - g)) / delivered, capped at 1024.
 */
export function dctcpUpdateAlpha(ca: DctcpState, tp: TcpSock, shiftG: number): void {
  if (tp.sndUna < ca.nextSeq) return;
  let deliveredCe = tp.deliveredCe - ca.oldDeliveredCe;
  let alpha = ca.alpha;
  alpha -= minNotZero(alpha, alpha >>> shiftG);
  if (deliveredCe !== 0) {
    const delivered = tp.delivered - ca.oldDelivered;
    deliveredCe *= 2 ** (10 - shiftG);
    deliveredCe = Math.floor(deliveredCe / Math.max(1, delivered));
    alpha = Math.min(alpha + deliveredCe, DCTCP_MAX_ALPHA);
  }
  ca.alpha = alpha;
  dctcpReset(ca, tp);
}

/** dctcp_ssthresh(): cwnd reduced by alpha / 2 (at least 2); cwnd kept for undo. */
export function dctcpSsthresh(ca: DctcpState, tp: TcpSock): number {
  const cwnd = tp.sndCwnd;
  ca.lossCwnd = cwnd;
  return Math.max(cwnd - Math.floor((cwnd * ca.alpha) / 2 ** DCTCP_SSTHRESH_SHIFT), 2);
}

/** dctcp_react_to_loss(): a real loss halves the window, as Reno. */
export function dctcpReactToLoss(ca: DctcpState, tp: TcpSock): void {
  ca.lossCwnd = tp.sndCwnd;
  tp.sndSsthresh = Math.max(tp.sndCwnd >>> 1, 2);
}

/** dctcp_ece_ack_cwr(): ECE on our ACKs follows the CE state. */
function eceAckCwr(sk: AckSock, ceState: number): void {
  sk.demandCwr = ceState === 1;
}

/**
 * dctcp_ece_ack_update() (tcp_dctcp.h), on the receiving socket: a data
 * segment arrived with (CA_EVENT_ECN_IS_CE) or without a CE mark. On a
 * change of state, a delayed ACK still pending goes out first, for the
 * data before this segment and with the old ECE; the next ACK leaves at
 * once (ICSK_ACK_NOW). ECE then reflects the new state.
 */
export function dctcpEceAckUpdate(ca: DctcpState, sk: AckSock, ev: CaEvent): void {
  const newCeState = ev === CA_EVENT_ECN_IS_CE ? 1 : 0;
  if (ca.ceState !== newCeState) {
    if (sk.delackTimerPending) {
      eceAckCwr(sk, ca.ceState);
      sk.sendAckFor(ca.priorRcvNxt);
    }
    sk.ackNow();
  }
  ca.priorRcvNxt = sk.rcvNxt;
  ca.ceState = newCeState;
  eceAckCwr(sk, newCeState);
}

/** One connection's DCTCP ops (tcp_congestion_ops dctcp, falling back to dctcp_reno without ECN). */
export function createDctcp(p: DctcpParams = { shiftG: DCTCP_SHIFT_G_DEFAULT, alphaOnInit: DCTCP_MAX_ALPHA }): CongestionOps & { readonly state: DctcpState } {
  const ca = new DctcpState();
  return {
    name: 'dctcp',
    needsPacing: false,
    needsEcn: true,
    state: ca,

    /** dctcp_init(): without ECN, dctcp_reno. */
    init(tp: TcpSock): void {
      if (!tp.ecnOk) {
        ca.renoFallback = true;
        return;
      }
      ca.priorRcvNxt = 0;
      ca.alpha = Math.min(p.alphaOnInit, DCTCP_MAX_ALPHA);
      ca.lossCwnd = 0;
      ca.ceState = 0;
      dctcpReset(ca, tp);
    },

    inAckEvent(tp: TcpSock, _flags: number): void {
      if (!ca.renoFallback) dctcpUpdateAlpha(ca, tp, p.shiftG);
    },

    /** dctcp_cwnd_event(): an RTO (CA_EVENT_LOSS) halves the window; the CE events are the receiver's. */
    cwndEvent(tp: TcpSock, ev: CaEvent): void {
      if (!ca.renoFallback && ev === CA_EVENT_LOSS) dctcpReactToLoss(ca, tp);
    },

    ssthresh(tp: TcpSock): number {
      return ca.renoFallback ? renoSsthresh(tp) : dctcpSsthresh(ca, tp);
    },

    congAvoid: renoCongAvoid,

    /** dctcp_cwnd_undo(). */
    undoCwnd(tp: TcpSock): number {
      return ca.renoFallback ? renoUndoCwnd(tp) : Math.max(tp.sndCwnd, ca.lossCwnd);
    },

    /** dctcp_state(): entering Recovery halves the window (an RTO goes through cwnd_event). */
    setState(tp: TcpSock, newState: CaState): void {
      if (!ca.renoFallback && newState === CA_RECOVERY && newState !== tp.caState) dctcpReactToLoss(ca, tp);
    },

    rcvCeEvent(sk: AckSock, ev: CaEvent): void {
      dctcpEceAckUpdate(ca, sk, ev);
    },

    /** dctcp_get_info()'s alpha and CE state, and the window's end and the cwnd kept for undo. */
    info(): Record<string, number | string> {
      return { enabled: ca.renoFallback ? 0 : 1, alpha: ca.alpha, ceState: ca.ceState, nextSeq: ca.nextSeq, lossCwnd: ca.lossCwnd };
    },
  };
}

/** DCTCP (the tcp_dctcp module). */
export const dctcpSpec: CcSpec<DctcpParams> = {
  name: 'dctcp',
  label: 'DCTCP',
  doc: 'Data Center TCP as the tcp_dctcp module: Reno that cuts cwnd by half the moving fraction of CE-marked packets; needs ECN',
  color: '#e69f00', // Okabe-Ito (src/report/palette.ts)
  marker: 'star',
  dash: [1, 3],
  params: {
    shift_g: { kind: 'int', default: DCTCP_SHIFT_G_DEFAULT, min: 0, max: DCTCP_SHIFT_G_MAX, help: 'dctcp_shift_g: the gain of the marked-fraction average, g = 1/2^shift_g' },
    alpha_on_init: { kind: 'int', default: DCTCP_MAX_ALPHA, min: 0, max: DCTCP_MAX_ALPHA, help: 'dctcp_alpha_on_init: alpha when a connection starts, 1024 = 1.0' },
  },
  resolveParams: (v) => ({ shiftG: v.shift_g as number, alphaOnInit: v.alpha_on_init as number }),
  create: (params) => createDctcp(params),
  ecn: 'required',
  paced: false,
  kernel: {
    moduleParams: (p) => ({ dctcp_shift_g: p.shiftG, dctcp_alpha_on_init: p.alphaOnInit }),
  },
};
