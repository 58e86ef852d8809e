/**
 * How a scenario's bottleneck maps onto Linux's netem.
 *
 * The simulator's bottleneck: random loss decided when a packet arrives, then
 * a drop-tail FIFO of `queuePackets` served at `rateBps` (wire bytes =
 * payload + 66), then a constant delay `fwdDelayNs` (plus optional uniform
 * jitter). netem on the router's egress towards the receiver does the same
 * in one qdisc: it decides loss before it checks its limit, and with `rate`
 * a packet leaves at max(previous departure, arrival + delay) + its
 * transmission time, which is the queue-then-delay line shifted by the
 * constant delay. netem's `limit` counts every packet it holds, those
 * waiting for the link *and* those in the delay line, so
 *     limit = queuePackets + ceil(rate x delay / wire bytes per packet).
 * At full rate that leaves exactly the scenario's queue for waiting
 * packets; the rounding up keeps about one packet for the one being sent.
 *
 * The ACK direction is a second netem on the router's egress towards the
 * sender: delay `revDelayNs`, Bernoulli `ackLoss`, no rate, and a limit far
 * above anything the ACK clock can put in its delay line.
 */
import { DATA_OVERHEAD_BYTES } from '../network/wire.js';
import type { ResolvedLink } from '../scenario/resolve.js';
import type { LossModel } from '../scenario/schema.js';

/** netem's own default limit, which silently tail-drops on long fat paths. */
export const NETEM_DEFAULT_LIMIT = 1000;
/** Headroom on the ACK path's limit over the data packets in the reverse delay line. */
const ACK_LIMIT_FACTOR = 2;
const NS_PER_US = 1000;

/** Packets that fill the delay line at full rate: ceil(rate x delay / wire bytes). */
export function delayLinePackets(rateBps: number, delayNs: number, mss: number): number {
  const wire = mss + DATA_OVERHEAD_BYTES;
  return Math.ceil((rateBps / 8) * (delayNs / 1e9) / wire - 1e-9);
}

/** netem limit on the data direction: the scenario's queue plus the delay line. */
export function dataNetemLimit(link: ResolvedLink, mss: number): number {
  return link.queuePackets + delayLinePackets(link.rateBps, link.fwdDelayNs, mss);
}

/** netem limit on the ACK direction (no rate there, so only the delay line matters). */
export function ackNetemLimit(link: ResolvedLink, mss: number): number {
  return Math.max(NETEM_DEFAULT_LIMIT, ACK_LIMIT_FACTOR * delayLinePackets(link.rateBps, link.revDelayNs, mss) + 100);
}

/** A percentage as tc reads it, e.g. 0.1 -> "10%", 0.001 -> "0.1%". */
export function tcPercent(fraction: number): string {
  return `${+(fraction * 100).toPrecision(8)}%`;
}

/** A time in whole microseconds, as tc reads it. */
export function tcMicros(ns: number): string {
  return `${Math.round(ns / NS_PER_US)}us`;
}

/** netem's loss arguments, or [] for none. */
export function netemLossArgs(loss: LossModel): string[] {
  if (loss.kind === 'bernoulli') return loss.p > 0 ? ['loss', 'random', tcPercent(loss.p)] : [];
  return ['loss', 'gemodel', tcPercent(loss.p), tcPercent(loss.r), tcPercent(loss.oneMinusH), tcPercent(loss.oneMinusK)];
}

/** Arguments after `tc qdisc add dev DEV root` for the data direction. */
export function dataNetemArgs(link: ResolvedLink, mss: number): string[] {
  const delay = ['delay', tcMicros(link.fwdDelayNs)];
  if (link.jitterNs > 0) delay.push(tcMicros(link.jitterNs));
  return ['netem', 'limit', String(dataNetemLimit(link, mss)), ...delay, ...netemLossArgs(link.loss), 'rate', `${Math.round(link.rateBps)}bit`];
}

/**
 * Arguments after `tc qdisc add dev DEV parent ...` for the netem under an
 * AQM's shaper (plan-lib.sh): delay, jitter and random loss only. No rate:
 * the shaper is the bottleneck, so netem holds only its delay line.
 */
export function aqmNetemArgs(link: ResolvedLink, mss: number): string[] {
  const delay = ['delay', tcMicros(link.fwdDelayNs)];
  if (link.jitterNs > 0) delay.push(tcMicros(link.jitterNs));
  const limit = Math.max(NETEM_DEFAULT_LIMIT, ACK_LIMIT_FACTOR * delayLinePackets(link.rateBps, link.fwdDelayNs, mss) + 100);
  return ['netem', 'limit', String(limit), ...delay, ...netemLossArgs(link.loss)];
}

/**
 * Arguments after `tc qdisc add dev DEV root` for the ACK direction; with
 * `extraDelayNs`, those of the band of flows whose own path adds that much
 * (flows[].rtt): the same netem with the longer delay, and a limit for it.
 */
export function ackNetemArgs(link: ResolvedLink, mss: number, extraDelayNs = 0): string[] {
  const loss = link.ackLoss > 0 ? ['loss', 'random', tcPercent(link.ackLoss)] : [];
  const l = extraDelayNs > 0 ? { ...link, revDelayNs: link.revDelayNs + extraDelayNs } : link;
  return ['netem', 'limit', String(ackNetemLimit(l, mss)), 'delay', tcMicros(l.revDelayNs), ...loss];
}

/**
 * Arguments after `tc qdisc add dev DEV parent ...` for a band of flows'
 * extra delay off the router's ACK path (flows[].rtt on a chain or next to
 * a reverse bottleneck, kernel/plan-lib.sh delay_band): that delay alone,
 * no loss (the link's netems have it), and a limit for the flows' packets
 * in its delay line at `rateBps` (their data's rate, an upper bound).
 */
export function delayNetemArgs(extraNs: number, rateBps: number, mss: number): string[] {
  const limit = Math.max(NETEM_DEFAULT_LIMIT, ACK_LIMIT_FACTOR * delayLinePackets(rateBps, extraNs, mss) + 100);
  return ['netem', 'limit', String(limit), 'delay', tcMicros(extraNs)];
}

/** prio's most bands (TCQ_PRIO_BANDS): band 0 for the link's RTT leaves 15 for flows' own. */
export const MAX_ACK_BANDS = 15;


/**
 * With reverse flows (flows[].direction: reverse) the link's reverse
 * direction is a bottleneck laid out as the forward one, on the router's
 * egress towards the sender: the arguments of its netem, as dataNetemArgs
 * (drop-tail: the link's rate and queue plus the reverse delay line) or
 * aqmNetemArgs (under an AQM's shaper: delay and loss only) give the
 * forward one's, with the reverse delay, link.ackLoss on every packet of
 * this direction, and no jitter (link.jitter varies the forward delay).
 */
export function reverseNetemArgs(link: ResolvedLink, mss: number, underAqm: boolean): string[] {
  const loss = link.ackLoss > 0 ? ['loss', 'random', tcPercent(link.ackLoss)] : [];
  const delay = ['delay', tcMicros(link.revDelayNs)];
  if (underAqm) {
    const limit = Math.max(NETEM_DEFAULT_LIMIT, ACK_LIMIT_FACTOR * delayLinePackets(link.rateBps, link.revDelayNs, mss) + 100);
    return ['netem', 'limit', String(limit), ...delay, ...loss];
  }
  const limit = link.queuePackets + delayLinePackets(link.rateBps, link.revDelayNs, mss);
  return ['netem', 'limit', String(limit), ...delay, ...loss, 'rate', `${Math.round(link.rateBps)}bit`];
}
