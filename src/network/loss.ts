/**
 * Random loss as netem decides it: on arrival, before the queue, with a
 * uniform 32-bit draw compared against the probability scaled to 2^32.
 *
 * Each flow has its own random stream (and its own Gilbert-Elliott state),
 * so adding a flow never changes the losses another flow sees.
 *
 * Gilbert-Elliott follows netem's loss_gilb_ell(): in the good state,
 * first draw for a transition to bad (p), then lose with probability 1-k;
 * in the bad state, first draw for a transition to good (r), then lose with
 * probability 1-h. (netem's parameters: gemodel p r 1-h 1-k.)
 */
import { bernoulliThreshold, Rng } from '../engine/rng.js';
import type { LossModel } from '../scenario/schema.js';
import type { Packet, PacketPool, PacketSink } from './packet.js';

interface FlowLoss {
  rng: Rng;
  bad: boolean;
}

export class LossStage implements PacketSink {
  next!: PacketSink;
  onDrop: ((p: Packet) => void) | null = null;
  drops = 0;
  private readonly flows: FlowLoss[] = [];
  private readonly pThr: number;
  private readonly rThr: number;
  private readonly lossBadThr: number;
  private readonly lossGoodThr: number;
  private readonly ge: boolean;
  private readonly none: boolean;

  constructor(
    private readonly pool: PacketPool,
    model: LossModel,
    private readonly seed: number,
    private readonly streamPrefix: string,
  ) {
    if (model.kind === 'bernoulli') {
      this.ge = false;
      this.none = model.p === 0;
      this.pThr = 0;
      this.rThr = 0;
      this.lossBadThr = 0;
      this.lossGoodThr = bernoulliThreshold(model.p);
    } else {
      this.ge = true;
      this.none = false;
      this.pThr = bernoulliThreshold(model.p);
      this.rThr = bernoulliThreshold(model.r);
      this.lossBadThr = bernoulliThreshold(model.oneMinusH);
      this.lossGoodThr = bernoulliThreshold(model.oneMinusK);
    }
  }

  private flowState(flow: number): FlowLoss {
    let f = this.flows[flow];
    if (f === undefined) {
      f = { rng: new Rng(this.seed, `${this.streamPrefix}/flow${flow}`), bad: false };
      this.flows[flow] = f;
    }
    return f;
  }

  /** Decide whether this flow's next packet is lost. */
  lose(flow: number): boolean {
    if (this.none) return false;
    const f = this.flowState(flow);
    if (!this.ge) return f.rng.nextU32() < this.lossGoodThr;
    if (!f.bad) {
      if (f.rng.nextU32() < this.pThr) f.bad = true;
      return f.rng.nextU32() < this.lossGoodThr;
    }
    if (f.rng.nextU32() < this.rThr) f.bad = false;
    return f.rng.nextU32() < this.lossBadThr;
  }

  receive(p: Packet): void {
    if (!this.none && this.lose(p.flow)) {
      this.drops++;
      if (this.onDrop !== null) this.onDrop(p);
      this.pool.release(p);
      return;
    }
    this.next.receive(p);
  }
}
