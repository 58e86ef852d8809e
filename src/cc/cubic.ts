/**
 * CUBIC, as Linux 6.1's net/ipv4/tcp_cubic.c (BIC-TCP v2.3 code base), with
 * HyStart in ./hystart.ts.
 *
 * Model in plain words. After a loss the window is cut to beta = 717/1024
 * (~0.7) of its value W_max, and then grows along the cubic curve
 *     W(t) = C (t - K)^3 + W_max,   K = cbrt(W_max (1 - beta) / C),
 * with C = bic_scale/1024 = 0.4 and t the time since the epoch started (the
 * first ACK after the reduction), plus delay_min: the kernel aims at the
 * window one minimum RTT ahead. The curve is concave below W_max (fast
 * return, then a plateau) and convex above it (probing). Each ACK computes
 * the target W(t) and converts it to ca->cnt, "ACKs per +1 cwnd"
 * (cnt = cwnd / (target - cwnd)); the generic tcp_cong_avoid_ai() applies it.
 *   - Fast convergence: if the loss came before the window regained the
 *     previous W_max, W_max is lowered to cwnd (1 + beta) / 2, releasing
 *     bandwidth to newer flows.
 *   - TCP-friendly region: an estimate of what Reno with the same beta would
 *     have (growing by 1 packet per cwnd*beta_scale/8 ACKs, i.e.
 *     3(1-beta)/(1+beta) packets per RTT) bounds cnt, so Cubic is never
 *     slower than that Reno.
 *   - cwnd grows at most 1 packet per 2 ACKed (cnt >= 2); before the first
 *     loss (last_max_cwnd = 0) at least 5% per RTT (cnt <= 20).
 *   - Slow start is Reno's (tcp_slow_start), ended early by HyStart.
 *
 * Arithmetic is the kernel's fixed point, in its order: time in units of
 * 1/1024 s (BICTCP_HZ = 10 bits), C/RTT folded into cube_rtt_scale = 410 and
 * cube_factor = 2^40/410 (the kernel's "RTT = 100 ms" reference that cancels
 * out: K and the cubic term are both per-second), cube roots by table lookup
 * plus one Newton-Raphson step. u32 values wrap as u32, u64 products that can
 * exceed 2^53 are done in BigInt. The epoch and the update rate limit are on
 * the jiffies clock (HZ = 250), delay_min and HyStart on the microsecond
 * clock, exactly where 6.1 uses each.
 */
import type { AckSample, CaState, CaEvent, CongestionOps, TcpSock } from '../tcp/types.js';
import { CA_EVENT_TX_START, CA_LOSS } from '../tcp/types.js';
import { HZ, usecsToJiffies } from '../tcp/constants.js';
import { renoUndoCwnd, tcpCongAvoidAi, tcpSlowStart } from './reno.js';
import { HyStart, HYSTART_DEFAULTS, type HyStartConfig } from './hystart.js';
import type { CcSpec } from './spec.js';

/** BICTCP_BETA_SCALE: beta is in 1/1024. */
export const BICTCP_BETA_SCALE = 1024;
/** BICTCP_HZ: the cubic clock runs in 2^10 = 1024 ticks per second. */
export const BICTCP_HZ = 10;
/** Default module parameters. */
export const CUBIC_BETA = 717; // /1024 = 0.7002
export const CUBIC_BIC_SCALE = 41; // /1024 = 0.04; x10 below gives C = 0.4
/** bictcp_update() recomputes at most every HZ/32 jiffies (7 jiffies = 28 ms at HZ 250) while cwnd is unchanged. */
const CUBIC_UPDATE_JIFFIES = Math.floor(HZ / 32);

/** Precomputed scale factors (cubictcp_register), from beta and bic_scale. */
export interface CubicScales {
  /** 8 (1024 + beta) / 3 / (1024 - beta): ACKs per Reno +1 packet, x8 per packet of cwnd (15). */
  betaScale: number;
  /** bic_scale x 10: 1024 C per second (410). */
  cubeRttScale: number;
  /** 2^40 / (bic_scale x 10): to compute K in 1/1024 s from (W_max - cwnd) (2681735677). */
  cubeFactor: number;
}

export function cubicScales(beta = CUBIC_BETA, bicScale = CUBIC_BIC_SCALE): CubicScales {
  return {
    betaScale: Math.floor(Math.floor((8 * (BICTCP_BETA_SCALE + beta)) / 3) / (BICTCP_BETA_SCALE - beta)),
    cubeRttScale: bicScale * 10,
    cubeFactor: Math.floor(2 ** (10 + 3 * BICTCP_HZ) / (bicScale * 10)),
  };
}

/**
 * cbrt(x) MSB values for x MSB values in [0..63], precomputed then refined
 * by hand (Willy Tarreau): v = cbrt(x << 18) - 1, cbrt(x) = (v[x] + 10) >> 6.
 */
const CBRT_TABLE = [
  0, 54, 54, 54, 118, 118, 118, 118,
  123, 129, 134, 138, 143, 147, 151, 156,
  157, 161, 164, 168, 170, 173, 176, 179,
  181, 185, 187, 190, 192, 194, 197, 199,
  200, 202, 204, 206, 209, 211, 213, 215,
  217, 219, 221, 222, 224, 225, 227, 229,
  231, 232, 234, 236, 237, 239, 240, 242,
  244, 245, 246, 248, 250, 251, 252, 254,
] as const;

/** fls64(): position of the most significant set bit, 1-based; 0 for 0. */
function fls64(a: bigint): number {
  return a === 0n ? 0 : a.toString(2).length;
}

/**
 * cubic_root(): cube root of a u64 by table lookup and one Newton-Raphson
 * iteration (kernel comment: average error ~0.195%).
 */
export function cubicRoot(a: number | bigint): number {
  const ab = BigInt.asUintN(64, BigInt(a));
  let b = fls64(ab);
  if (b < 7) {
    // a in [0..63]
    return (CBRT_TABLE[Number(ab)]! + 35) >>> 6;
  }
  b = ((b * 84) >>> 8) - 1;
  const shift = Number(ab >> BigInt(b * 3));
  let x = (((CBRT_TABLE[shift]! + 10) << b) >>> 0) >>> 6;
  // x_{k+1} = (2 x_k + a / x_k^2) / 3, with x(x-1) for x^2 and 341/1024 for 1/3
  x = (2 * x + Number(BigInt.asUintN(32, ab / (BigInt(x) * BigInt(x - 1))))) >>> 0;
  x = (Math.imul(x, 341) >>> 0) >>> 10;
  return x;
}

/** Largest |t - K| (1/1024 s) for which 410 x offs^3 is exact in a double. */
const OFFS_EXACT_MAX = 28_000;
const TWO_POW_40 = 2 ** 40;

/**
 * The cubic term in packets: (cube_rtt_scale x offs^3) >> (10 + 3 BICTCP_HZ),
 * u64 product, result truncated to u32 as the kernel's `delta`.
 */
export function cubicDelta(cubeRttScale: number, offs: number): number {
  if (offs <= OFFS_EXACT_MAX) return Math.floor((cubeRttScale * offs * offs * offs) / TWO_POW_40) >>> 0;
  const o = BigInt(offs);
  const p = BigInt.asUintN(64, BigInt(cubeRttScale) * o * o * o);
  return Number(BigInt.asUintN(32, p >> 40n));
}

export interface CubicConfig {
  hystart: boolean;
  fastConvergence: boolean;
  tcpFriendliness: boolean;
  /** Module parameter beta (/1024). */
  beta: number;
  /** Module parameter bic_scale (/1024; C = bic_scale x 10 / 1024). */
  bicScale: number;
  /** Module parameter initial_ssthresh (0 = none); used only with HyStart off. */
  initialSsthresh: number;
  /** HyStart module parameters (hystart_detect, hystart_low_window, hystart_ack_delta_us). */
  hystartConfig: HyStartConfig;
}

export const CUBIC_DEFAULTS: CubicConfig = {
  hystart: true,
  fastConvergence: true,
  tcpFriendliness: true,
  beta: CUBIC_BETA,
  bicScale: CUBIC_BIC_SCALE,
  initialSsthresh: 0,
  hystartConfig: HYSTART_DEFAULTS,
};

/** struct bictcp (without the HyStart fields, which live in HyStart). */
export class CubicState {
  /** Increase cwnd by 1 after this many ACKed packets. */
  cnt = 0;
  /** W_max: cwnd before the last reduction (after fast convergence). */
  lastMaxCwnd = 0;
  /** cwnd at the last update. */
  lastCwnd = 0;
  /** Time of the last update, jiffies. */
  lastTime = 0;
  /** Origin point of the cubic function (W_max or the epoch's cwnd), packets. */
  bicOriginPoint = 0;
  /** K: time from the epoch start to the origin point, 1/1024 s. */
  bicK = 0;
  /** Minimum RTT seen, µs (0 = none). */
  delayMin = 0;
  /** Start of the current epoch, jiffies (0 = no epoch). */
  epochStart = 0;
  /** Packets ACKed in this epoch, for the TCP-friendly estimate. */
  ackCnt = 0;
  /** Estimated Reno cwnd (TCP-friendly region). */
  tcpCwnd = 0;

  /** bictcp_reset(): zero everything up to `unused` (HyStart's round state is kept). */
  reset(): void {
    this.cnt = 0;
    this.lastMaxCwnd = 0;
    this.lastCwnd = 0;
    this.lastTime = 0;
    this.bicOriginPoint = 0;
    this.bicK = 0;
    this.delayMin = 0;
    this.epochStart = 0;
    this.ackCnt = 0;
    this.tcpCwnd = 0;
  }
}

/**
 * The time bictcp_update() evaluates the cubic function at: time since the
 * epoch started plus delay_min (the window one RTT ahead), in 1/1024 s.
 */
export function cubicEpochTime(ca: CubicState, jiffies: number): number {
  let t = (jiffies - ca.epochStart) | 0;
  t += usecsToJiffies(ca.delayMin);
  // change the unit from HZ to bictcp_HZ
  return Math.floor((t * 2 ** BICTCP_HZ) / HZ);
}

/** The cubic function W(t) = origin ± C (t - K)^3 in packets (u32), t in 1/1024 s. */
export function cubicTarget(ca: CubicState, sc: CubicScales, t: number): number {
  const offs = t < ca.bicK ? ca.bicK - t : t - ca.bicK;
  // C/rtt * (t - K)^3
  const delta = cubicDelta(sc.cubeRttScale, offs);
  return t < ca.bicK ? (ca.bicOriginPoint - delta) >>> 0 : (ca.bicOriginPoint + delta) >>> 0;
}

/**
 * bictcp_update(): set ca.cnt for the current cwnd, at `jiffies`, `acked`
 * packets newly ACKed.
 */
export function bictcpUpdate(
  ca: CubicState,
  sc: CubicScales,
  tcpFriendliness: boolean,
  cwnd: number,
  acked: number,
  jiffies: number,
): void {
  ca.ackCnt = (ca.ackCnt + acked) >>> 0; // count the number of ACKed packets

  if (ca.lastCwnd === cwnd && ((jiffies - ca.lastTime) | 0) <= CUBIC_UPDATE_JIFFIES) return;

  // The cubic function can update ca.cnt at most once per jiffy; every
  // reduction sets epoch_start to 0, which forces a recalculation.
  if (!(ca.epochStart !== 0 && jiffies === ca.lastTime)) {
    ca.lastCwnd = cwnd;
    ca.lastTime = jiffies;

    if (ca.epochStart === 0) {
      ca.epochStart = jiffies; // record the beginning
      ca.ackCnt = acked; // start counting
      ca.tcpCwnd = cwnd; // sync with cubic
      if (ca.lastMaxCwnd <= cwnd) {
        ca.bicK = 0;
        ca.bicOriginPoint = cwnd;
      } else {
        // K = cbrt((W_max - cwnd) / C), in 1/1024 s
        const diff = ca.lastMaxCwnd - cwnd;
        const prod = sc.cubeFactor * diff;
        ca.bicK = cubicRoot(prod <= Number.MAX_SAFE_INTEGER ? prod : BigInt(sc.cubeFactor) * BigInt(diff));
        ca.bicOriginPoint = ca.lastMaxCwnd;
      }
    }

    const bicTarget = cubicTarget(ca, sc, cubicEpochTime(ca, jiffies));

    // cubic function: ACKs per +1 packet
    if (bicTarget > cwnd) ca.cnt = Math.floor(cwnd / (bicTarget - cwnd));
    else ca.cnt = Math.imul(100, cwnd) >>> 0; // very small increment

    // The initial growth may be too conservative while the bandwidth is unknown: at least 5% per RTT.
    if (ca.lastMaxCwnd === 0 && ca.cnt > 20) ca.cnt = 20;
  }

  // tcp_friendliness:
  if (tcpFriendliness) {
    // Reno with Cubic's beta grows 1 packet per cwnd * beta_scale / 8 ACKs
    const d = (Math.imul(cwnd, sc.betaScale) >>> 0) >>> 3;
    if (ca.ackCnt > d) {
      // while (ack_cnt > delta) { ack_cnt -= delta; tcp_cwnd++; }
      const k = Math.floor((ca.ackCnt - 1) / d);
      ca.ackCnt -= k * d;
      ca.tcpCwnd = (ca.tcpCwnd + k) >>> 0;
    }
    if (ca.tcpCwnd > cwnd) {
      // Cubic is slower than Reno: grow at least as fast
      const maxCnt = Math.floor(cwnd / (ca.tcpCwnd - cwnd));
      if (ca.cnt > maxCnt) ca.cnt = maxCnt;
    }
  }

  // At most 1 packet per 2 ACKed: cwnd grows at most 1.5x per RTT.
  ca.cnt = Math.max(ca.cnt, 2);
}

export interface CubicOps extends CongestionOps {
  readonly state: CubicState;
  readonly hystart: HyStart;
}

export function createCubic(params: Partial<CubicConfig> = {}): CubicOps {
  const cfg: CubicConfig = { ...CUBIC_DEFAULTS, ...params };
  const sc = cubicScales(cfg.beta, cfg.bicScale);
  const ca = new CubicState();
  const hs = new HyStart(cfg.hystartConfig);

  function resetAll(): void {
    ca.reset();
    hs.found = false;
  }

  return {
    name: 'cubic',
    needsPacing: false,
    state: ca,
    hystart: hs,

    /** cubictcp_init(). */
    init(tp: TcpSock): void {
      resetAll();
      if (cfg.hystart) hs.reset(tp);
      if (!cfg.hystart && cfg.initialSsthresh) tp.sndSsthresh = cfg.initialSsthresh;
    },

    /** cubictcp_cwnd_event(): after idle, shift the epoch so that growth stays on the curve. */
    cwndEvent(tp: TcpSock, ev: CaEvent): void {
      if (ev !== CA_EVENT_TX_START) return;
      const now = tp.jiffies;
      const delta = (now - tp.lsndtime) | 0;
      if (ca.epochStart !== 0 && delta > 0) {
        ca.epochStart = (ca.epochStart + delta) >>> 0;
        if (((now - ca.epochStart) | 0) < 0) ca.epochStart = now; // after(epoch_start, now)
      }
    },

    /** cubictcp_cong_avoid(). */
    congAvoid(tp: TcpSock, _ack: number, acked: number): void {
      if (!tp.isCwndLimited()) return;
      if (tp.inSlowStart()) {
        acked = tcpSlowStart(tp, acked);
        if (acked === 0) return;
      }
      bictcpUpdate(ca, sc, cfg.tcpFriendliness, tp.sndCwnd, acked, tp.jiffies);
      tcpCongAvoidAi(tp, ca.cnt, acked);
    },

    /** cubictcp_recalc_ssthresh(): end the epoch, remember W_max, cut to beta. */
    ssthresh(tp: TcpSock): number {
      const cwnd = tp.sndCwnd;
      ca.epochStart = 0; // end of epoch
      // W_max and fast convergence
      if (cwnd < ca.lastMaxCwnd && cfg.fastConvergence) {
        ca.lastMaxCwnd = Math.floor((cwnd * (BICTCP_BETA_SCALE + cfg.beta)) / (2 * BICTCP_BETA_SCALE));
      } else {
        ca.lastMaxCwnd = cwnd;
      }
      return Math.max(Math.floor((cwnd * cfg.beta) / BICTCP_BETA_SCALE), 2);
    },

    /** cubictcp_state(): a Loss (RTO) episode restarts everything, HyStart included. */
    setState(tp: TcpSock, newState: CaState): void {
      if (newState === CA_LOSS) {
        resetAll();
        hs.reset(tp);
      }
    },

    undoCwnd: renoUndoCwnd,

    /** cubictcp_acked(): delay_min and HyStart from each ACK's RTT sample. */
    pktsAcked(tp: TcpSock, sample: AckSample): void {
      // some calls are for duplicates without timestamps
      if (sample.rttUs < 0) return;
      // discard delay samples right after fast recovery
      if (ca.epochStart !== 0 && ((tp.jiffies - ca.epochStart) | 0) < HZ) return;
      let delay = sample.rttUs;
      if (delay === 0) delay = 1;
      // first call, or the link delay decreased
      if (ca.delayMin === 0 || ca.delayMin > delay) ca.delayMin = delay;
      if (!hs.found && tp.inSlowStart() && cfg.hystart) hs.update(tp, delay, ca.delayMin);
    },

    info(): Record<string, number | string> {
      return {
        cnt: ca.cnt,
        lastMaxCwnd: ca.lastMaxCwnd,
        bicK: ca.bicK,
        bicOriginPoint: ca.bicOriginPoint,
        epochStart: ca.epochStart,
        delayMinUs: ca.delayMin,
        tcpCwnd: ca.tcpCwnd,
        hystartFound: hs.found ? 1 : 0,
        hystartTrainDetect: hs.trainDetect,
        hystartTrainCwnd: hs.trainCwnd,
        hystartDelayDetect: hs.delayDetect,
        hystartDelayCwnd: hs.delayCwnd,
      };
    },
  };
}

/** The resolved `cubic: {...}` block of a flow: the switches a scenario may turn off. */
export type CubicParams = Pick<CubicConfig, 'hystart' | 'fastConvergence' | 'tcpFriendliness'>;

/** Cubic (tcp_cubic.c, Linux's default). */
export const cubicSpec: CcSpec<CubicParams> = {
  name: 'cubic',
  label: 'Cubic',
  doc: "Linux's default, tcp_cubic.c: a cubic window curve, HyStart, beta 0.7",
  color: '#009e73', // Okabe-Ito (src/report/palette.ts)
  marker: 'triangle',
  dash: [6, 3],
  params: {
    hystart: { kind: 'bool', default: true, help: 'HyStart: leave slow start on delay increase or ACK trains' },
    fastConvergence: { kind: 'bool', default: true, help: 'fast_convergence: yield faster to new flows' },
    tcpFriendliness: { kind: 'bool', default: true, help: "tcp_friendliness: at least Reno's window" },
  },
  resolveParams: (p) => ({ hystart: p.hystart as boolean, fastConvergence: p.fastConvergence as boolean, tcpFriendliness: p.tcpFriendliness as boolean }),
  create: (p) => createCubic(p),
  paced: false,
};
