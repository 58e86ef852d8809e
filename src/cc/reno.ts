/**
 * TCP Reno (net/ipv4/tcp_cong.c): slow start, then one packet per window per
 * RTT (tcp_cong_avoid_ai); ssthresh = cwnd/2 on loss. The stack's PRR does
 * the reduction itself. The helpers here are shared with Cubic, as in Linux.
 */
import type { CongestionOps, TcpSock } from '../tcp/types.js';
import type { CcSpec } from './spec.js';

/** tcp_slow_start(): grow cwnd by the packets ACKed, up to ssthresh; returns the leftover. */
export function tcpSlowStart(tp: TcpSock, acked: number): number {
  const cwnd = Math.min(tp.sndCwnd + acked, tp.sndSsthresh);
  acked -= cwnd - tp.sndCwnd;
  tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
  return acked;
}

/** tcp_cong_avoid_ai(): cwnd += 1 per w packets ACKed. */
export function tcpCongAvoidAi(tp: TcpSock, w: number, acked: number): void {
  if (tp.sndCwndCnt >= w) {
    tp.sndCwndCnt = 0;
    tp.sndCwnd = tp.sndCwnd + 1;
  }
  tp.sndCwndCnt += acked;
  if (tp.sndCwndCnt >= w) {
    const delta = Math.floor(tp.sndCwndCnt / w);
    tp.sndCwndCnt -= delta * w;
    tp.sndCwnd = tp.sndCwnd + delta;
  }
  tp.sndCwnd = Math.min(tp.sndCwnd, tp.sndCwndClamp);
}

export function renoCongAvoid(tp: TcpSock, _ack: number, acked: number): void {
  if (!tp.isCwndLimited()) return;
  if (tp.inSlowStart()) {
    acked = tcpSlowStart(tp, acked);
    if (acked === 0) return;
  }
  tcpCongAvoidAi(tp, tp.sndCwnd, acked);
}

export function renoSsthresh(tp: TcpSock): number {
  return Math.max(tp.sndCwnd >>> 1, 2);
}

export function renoUndoCwnd(tp: TcpSock): number {
  return Math.max(tp.sndCwnd, tp.priorCwnd);
}

export function createReno(): CongestionOps {
  return {
    name: 'reno',
    needsPacing: false,
    ssthresh: renoSsthresh,
    congAvoid: renoCongAvoid,
    undoCwnd: renoUndoCwnd,
  };
}

/** Reno (tcp_reno_congestion_ops, built into Linux). */
export const renoSpec: CcSpec = {
  name: 'reno',
  label: 'Reno',
  doc: "Linux's built-in NewReno (tcp_cong.c): AIMD, halving on loss",
  color: '#cc79a7', // Okabe-Ito (src/report/palette.ts)
  marker: 'rect',
  dash: [2, 2],
  create: () => createReno(),
  paced: false,
};
