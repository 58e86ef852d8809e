/**
 * ECN in v3 (tcp_bbr.c). The sender uses CE marks only where they mean a
 * shallow-threshold queue: ECN negotiated, the route flagged ecn_low
 * (bbr_can_use_ecn: TCP_ECN_OK && TCP_ECN_LOW) and min_rtt <= 5 ms (then
 * "ecn_eligible" for good). Once per round it folds the round's CE ratio
 * into ecn_alpha (gain 1/16, starting at 1.0):
 *
 *   alpha = (1 - 1/16) x alpha + 1/16 x delivered_ce / delivered,
 *
 * which sets how hard ECN cuts inflight_lo: by alpha x 1/3 (bounds.ts).
 */
import type { TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { checkEcnTooHighInStartup } from './startup.js';
import { BBR_ECN_ALPHA_GAIN, BBR_ECN_FACTOR, BBR_ECN_MAX_RTT_US, BBR_SCALE, BBR_UNIT } from './constants.js';

const UNIT = 2 ** BBR_SCALE;

/** bbr_can_use_ecn(): ECN agreed and the route is a shallow-threshold (ecn_low) one. */
export function canUseEcn(bbr: Bbr3State, tp: TcpSock): boolean {
  return tp.ecnOk && bbr.ecnLowRoute;
}

/**
 * bbr_update_ecn_alpha(): once per round; returns the round's CE ratio
 * (x 256), or -1 when ECN is not in use or nothing was delivered. (The PLB
 * half of want_ecn_alpha is off: net.ipv4.tcp_plb_enabled defaults to 0.)
 */
export function updateEcnAlpha(bbr: Bbr3State, tp: TcpSock): number {
  if (!bbr.ecnEligible && canUseEcn(bbr, tp) && BBR_ECN_FACTOR !== 0 && (bbr.minRttUs <= BBR_ECN_MAX_RTT_US || BBR_ECN_MAX_RTT_US === 0)) {
    bbr.ecnEligible = true;
  }
  if (!bbr.ecnEligible) return -1;
  const delivered = tp.delivered - bbr.alphaLastDelivered;
  const deliveredCe = tp.deliveredCe - bbr.alphaLastDeliveredCe;
  if (delivered === 0 || delivered < 0 || deliveredCe < 0) return -1;
  const ceRatio = Math.floor((deliveredCe * UNIT) / delivered);
  const gain = BBR_ECN_ALPHA_GAIN;
  let alpha = Math.floor(((BBR_UNIT - gain) * bbr.ecnAlpha) / UNIT);
  alpha += Math.floor((gain * ceRatio) / UNIT);
  bbr.ecnAlpha = Math.min(alpha, BBR_UNIT);
  bbr.alphaLastDelivered = tp.delivered;
  bbr.alphaLastDeliveredCe = tp.deliveredCe;
  checkEcnTooHighInStartup(bbr, tp, ceRatio);
  return ceRatio;
}

/** bbr_ecn_cut(): 1 - ecn_alpha x ecn_factor, x 256. */
export function ecnCut(bbr: Bbr3State): number {
  return BBR_UNIT - ((bbr.ecnAlpha * BBR_ECN_FACTOR) >> BBR_SCALE);
}
