/**
 * The sending application when it is not a bulk writer (ResolvedFlow.app):
 *
 *   - a rate R: the application writes one MSS every MSS x 8 / R seconds
 *     (a 1448-byte write every 1.16 ms at 10 Mbit/s); what TCP cannot send
 *     yet waits in the socket, so a flow held back by the network catches up
 *     afterwards, as a program writing into a blocking socket does;
 *   - on/off periods (ns-3's OnOffApplication, src/traffic/schedule.ts):
 *     during an on period it writes (at R, or as much as TCP takes); when an
 *     off period begins it stops writing, and what TCP had not sent yet is
 *     withdrawn (as when a flow stops).
 *
 * Each write goes through the sender's appWrite(), which marks the
 * connection application-limited as Linux's tcp_sendmsg does.
 */
import type { Timer } from '../engine/sim.js';
import type { AppModel } from '../traffic/schedule.js';
import type { TcpSender } from './sender.js';

/** Run flow `tp`'s application over its on periods [start, end) (ns). */
export function startApplication(tp: TcpSender, app: AppModel, periods: readonly [number, number][]): void {
  const sim = tp.sim;
  const writeIntervalNs = app.rateBps !== undefined ? (tp.mss * 8 * 1e9) / app.rateBps : 0;
  let period = 0;
  /** Exact (fractional) time of the next write within the current on period. */
  let nextWriteNs = 0;
  let writer: Timer | null = null;

  const beginPeriod = (): void => {
    const [, end] = periods[period]!;
    if (app.rateBps === undefined) {
      tp.appWrite(Number.POSITIVE_INFINITY);
    } else {
      nextWriteNs = sim.now;
      writeOne();
    }
    endTimer.at(end);
  };
  const writeOne = (): void => {
    const end = periods[period]![1];
    if (sim.now >= end) return;
    tp.appWrite(1);
    nextWriteNs += writeIntervalNs;
    if (nextWriteNs < end) writer!.at(Math.ceil(nextWriteNs));
  };
  const endPeriod = (): void => {
    writer?.cancel();
    tp.appPause();
    period++;
    if (period < periods.length) startTimer.at(periods[period]![0]);
  };
  if (app.rateBps !== undefined) writer = sim.timer(writeOne);
  const startTimer = sim.timer(beginPeriod);
  const endTimer = sim.timer(endPeriod);
  if (periods.length > 0) startTimer.at(periods[0]![0]);
}

