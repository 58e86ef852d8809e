/**
 * The receiver's side of ECN from hand-made segments: the SYN-ACK's answer,
 * ECE echoed from the first CE mark until a segment with CWR
 * (tcp_ecn_check_ce, tcp_ecn_accept_cwr), quick ACKs on a CE mark and on a
 * Not-ECT segment after ECT ones, and DCTCP's CE state machine
 * (dctcp_ece_ack_update), which echoes each segment's mark exactly.
 *
 * Every bench first sends 40 segments in pairs 0.25 ms apart, which uses up
 * the connection's first 16 quick ACKs: afterwards a lone segment waits for
 * the delayed-ACK timer (40 ms) and a pair is ACKed at once.
 */
import { describe, expect, it } from 'vitest';
import { createDctcp } from '../../src/cc/dctcp.js';
import { Simulator } from '../../src/engine/sim.js';
import { ECN, PacketPool, type EcnCodepoint, type Packet } from '../../src/network/packet.js';
import { TcpReceiver } from '../../src/tcp/receiver.js';

const MSS = 1448;
const WARMUP = 40;

interface Ack {
  atMs: number;
  ack: number;
  ece: boolean;
}

interface Seg {
  atMs: number;
  seg: number;
  ecn?: EcnCodepoint;
  cwr?: boolean;
}

/** A receiver answering a SYN at 0 ms; `asksEcn`: the SYN has ECE and CWR. Returns its ACKs after the warm-up. */
function bench(segments: Seg[], opts: { asksEcn?: boolean; dctcp?: boolean; untilMs?: number } = {}): { acks: Ack[]; synAckEce: boolean; rcv: TcpReceiver } {
  const sim = new Simulator();
  const pool = new PacketPool();
  const rcv = new TcpReceiver(sim, pool, 0, MSS, 3 * 1024 * 1024);
  if (opts.dctcp) rcv.ca = createDctcp();
  const acks: Ack[] = [];
  let synAckEce = false;
  rcv.out = {
    receive(p: Packet) {
      if (p.seg === -1) synAckEce = p.ece;
      else if (p.ackSeg > WARMUP) acks.push({ atMs: sim.now / 1e6, ack: p.ackSeg, ece: p.ece });
      pool.release(p);
    },
  };
  const syn = pool.data(0, 0, 0, 1, 0);
  syn.seg = -1;
  syn.ece = syn.cwr = opts.asksEcn ?? true;
  if (opts.dctcp) syn.ecn = ECN.ECT_0; // a DCTCP sender's SYN is ECT
  rcv.receive(syn);
  const warmup: Seg[] = Array.from({ length: WARMUP }, (_, i) => ({ atMs: 1 + i * 0.25, seg: i, ecn: ECN.ECT_0 }));
  for (const s of [...warmup, ...segments]) {
    sim.timer(() => {
      const p = pool.data(0, s.seg, MSS, 1, 1);
      p.ecn = s.ecn ?? ECN.ECT_0;
      p.cwr = s.cwr ?? false;
      rcv.receive(p);
    }).at(s.atMs * 1e6);
  }
  sim.run((opts.untilMs ?? 200) * 1e6);
  return { acks, synAckEce, rcv };
}

describe('the classic ECN receiver (RFC 3168, tcp_ecn_check_ce)', () => {
  it('agrees to ECN in the SYN-ACK only when the SYN asks', () => {
    expect(bench([], { asksEcn: true }).synAckEce).toBe(true);
    expect(bench([], { asksEcn: false }).synAckEce).toBe(false);
  });

  it('a lone segment after the warm-up waits for the delayed-ACK timer (the baseline)', () => {
    const { acks } = bench([{ atMs: 20, seg: 40 }]);
    expect(acks).toEqual([{ atMs: 60, ack: 41, ece: false }]);
  });

  it('a CE mark: ACKed at once with ECE, quick ACKs for two segments, ECE on every ACK until a segment with CWR, which is ACKed at once', () => {
    const { acks, rcv } = bench([
      { atMs: 20, seg: 40, ecn: ECN.CE },
      { atMs: 21, seg: 41 }, // the second quick ACK
      { atMs: 23, seg: 42, cwr: true }, // alone, quick ACKs used up: ACKed at once for its CWR
      { atMs: 30, seg: 43 }, // after CWR: no ECE, delayed again
    ]);
    expect(acks).toEqual([
      { atMs: 20, ack: 41, ece: true },
      { atMs: 21, ack: 42, ece: true },
      { atMs: 23, ack: 43, ece: false },
      { atMs: 68, ack: 44, ece: false },
    ]);
    expect(rcv.ceArrived).toBe(1);
    expect(rcv.eceAcksSent).toBe(2);
  });

  it('ECE persists without CWR, across marks, and a new mark after CWR starts a new episode', () => {
    const { acks } = bench([
      { atMs: 20, seg: 40, ecn: ECN.CE },
      { atMs: 30, seg: 41 },
      { atMs: 30.25, seg: 42 },
      { atMs: 40, seg: 43, cwr: true },
      { atMs: 50, seg: 44, ecn: ECN.CE },
    ]);
    expect(acks).toEqual([
      { atMs: 20, ack: 41, ece: true },
      { atMs: 30, ack: 42, ece: true }, // the second quick ACK, 10 ms later: still echoing
      // segment 42 waits (delayed); the CWR segment is ACKed at once, without ECE
      { atMs: 40, ack: 44, ece: false },
      { atMs: 50, ack: 45, ece: true },
    ]);
  });

  it('a Not-ECT segment after ECT ones (a retransmission) is ACKed at once', () => {
    const { acks } = bench([{ atMs: 20, seg: 40, ecn: ECN.NOT_ECT }]);
    expect(acks).toEqual([{ atMs: 20, ack: 41, ece: false }]);
  });

  it('without ECN agreed, a CE mark is neither echoed nor ACKed early', () => {
    const { acks } = bench([{ atMs: 20, seg: 40, ecn: ECN.CE }], { asksEcn: false });
    expect(acks).toEqual([{ atMs: 60, ack: 41, ece: false }]);
  });
});

describe("DCTCP's receiver (dctcp_ece_ack_update): ECE mirrors each segment's mark", () => {
  it('on a change of mark, a delayed ACK goes out first with the old ECE, then the new state is ACKed at once; ECE drops without CWR', () => {
    const { acks } = bench(
      [
        { atMs: 20, seg: 40 }, // lone: delayed ACK pending
        { atMs: 21, seg: 41, ecn: ECN.CE }, // 0 -> 1: ACK 41 without ECE (the delayed one), then ACK 42 with ECE
        { atMs: 22, seg: 42, ecn: ECN.CE }, // no change: delayed
        { atMs: 23, seg: 43, ecn: ECN.CE }, // two unACKed: at once, ECE
        { atMs: 24, seg: 44 }, // 1 -> 0, nothing delayed: at once, no ECE
        { atMs: 25, seg: 45, ecn: ECN.CE }, // 0 -> 1: at once, ECE
      ],
      { dctcp: true },
    );
    expect(acks).toEqual([
      { atMs: 21, ack: 41, ece: false },
      { atMs: 21, ack: 42, ece: true },
      { atMs: 23, ack: 44, ece: true },
      { atMs: 24, ack: 45, ece: false },
      { atMs: 25, ack: 46, ece: true },
    ]);
  });

  it('a CE mark does not enter quick-ACK mode: a lone marked segment after a mark waits for the timer', () => {
    const { acks } = bench(
      [
        { atMs: 20, seg: 40, ecn: ECN.CE }, // 0 -> 1 with nothing delayed: at once
        { atMs: 30, seg: 41, ecn: ECN.CE }, // no change: delayed (a classic receiver would quick-ACK it)
      ],
      { dctcp: true },
    );
    expect(acks).toEqual([
      { atMs: 20, ack: 41, ece: true },
      { atMs: 68, ack: 42, ece: true },
    ]);
  });
});
