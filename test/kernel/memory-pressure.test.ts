/**
 * TCP memory pressure on the kernel target: two real VM runs of Brutal at
 * 100 Mbit/s, 100 ms and 10% loss, made while the VM's sender and receiver
 * shared Linux's default TCP memory budget (test/kernel/fixtures/README.md).
 * Under pressure the receiver clamps its window (tcp_clamp_window) and stops
 * growing it (tcp_grow_window), which two separate hosts would not do: the
 * run must say so, and the guest now sets a budget its flows do not reach.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveRun, readRunArchive, type StoredRun } from '../../src/kernel/reference.js';
import { tcpMemoryPressureWarning } from '../../src/kernel/index.js';
import { runMetaSchema } from '../../src/results/schema.js';

const ARCHIVE = join(import.meta.dirname, 'fixtures', 'vm-brutal-tcp-memory-pressure.runs.tar.br');
const runs = readRunArchive(ARCHIVE);
const run = (seed: number): StoredRun => runs.find((r) => r.name.endsWith(`-seed${seed}`))!;

/** The sender's `ss -ti` snapshots (one a second): congestion window (segments) and the peer's advertised window (bytes). */
function windows(r: StoredRun): { cwnd: number; sndWnd: number }[] {
  const ss = r.files['raw/ss.txt']!.toString('utf8');
  return [...ss.matchAll(/ cwnd:(\d+) .*? snd_wnd:(\d+)/g)].map((m) => ({ cwnd: Number(m[1]), sndWnd: Number(m[2]) }));
}

describe('TCP memory pressure in a kernel run', () => {
  it('records how long the target was under pressure, and warns', () => {
    const a = deriveRun(run(5), ARCHIVE);
    expect(runMetaSchema.parse(a.meta).kernel!.tcpMemoryPressureMs).toBe(24856);
    expect(tcpMemoryPressureWarning(a.meta)).toMatch(/TCP memory pressure on the target for 24856 ms/);
    expect(a.summary.aggregate.goodputMbps).toBeLessThan(30);
  });

  it('shows the mechanism: the receive window clamped to 8 KB while the congestion window stayed open', () => {
    const w = windows(run(5));
    const clamped = w.filter((x) => x.sndWnd <= 8192 && x.cwnd > 1000);
    // most of the 30 s run: the window never grew back under pressure
    expect(clamped.length).toBeGreaterThan(15);
  });

  it('a run without pressure has no record and no warning', () => {
    const a = deriveRun(run(3), ARCHIVE);
    expect(a.meta.kernel!.tcpMemoryPressureMs).toBeUndefined();
    expect(tcpMemoryPressureWarning(a.meta)).toBeNull();
    expect(a.summary.aggregate.goodputMbps).toBeGreaterThan(85);
    expect(Math.min(...windows(run(3)).slice(3).map((x) => x.sndWnd))).toBeGreaterThan(1e6);
  });

  it('the VM guest sets a TCP memory budget above what a flow of the harness can hold', () => {
    const init = readFileSync(join('kernel', 'guest', 'init.sh'), 'utf8');
    const m = /echo "(\d+) (\d+) (\d+)" >\/proc\/sys\/net\/ipv4\/tcp_mem/.exec(init)!;
    const pressureBytes = Number(m[2]) * 4096;
    // one flow: a 32 MB send buffer and a receive buffer of 2 x its rwnd (64mb in the loss-cliff group)
    expect(pressureBytes).toBeGreaterThan(32 * 2 ** 20 + 2 * 64 * 2 ** 20);
  });
});
