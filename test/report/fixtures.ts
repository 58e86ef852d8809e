/**
 * Small results directories for the chart and report tests: a sweep over
 * the congestion controls the simulator has × loss × RTT (2 seeds, 2 s runs),
 * a sweep of settings (Brutal's rate × qdisc) with two flows and harm (3
 * seeds), and a
 * single run with two competing flows.
 */
import { join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { simulatedCcNames } from '../../src/cc/index.js';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';

/** Congestion controls of the test sweep: those of the headline study the simulator has, else Reno. */
export function sweepCcs(): string[] {
  const have = simulatedCcNames() as string[];
  const ccs = ['brutal', 'bbr', 'cubic'].filter((c) => have.includes(c));
  return ccs.length ? ccs : ['reno'];
}

export function makeSweep(tag: string): string {
  const tmp = tempDir(tag);
  const ccs = sweepCcs();
  const file = writeScenario(
    tmp,
    'charts',
    `
name: charts
duration: 2s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: ${ccs[0]}
${ccs[0] === 'brutal' ? '    brutal: { rate: 10mbit }\n' : ''}sweep:
  flows[0].cc: [${ccs.join(', ')}]
  link.rtt: [20ms, 40ms]
  link.loss: [0, 1%, 5%]
`,
  );
  const out = join(tmp, 'sweep');
  const r = cclab(['sweep', file, '--out', out, '--jobs', '2']);
  if (r.status !== 0) throw new Error(`test sweep failed: ${r.stderr}`);
  return out;
}

/** Brutal at 1x and 2x the link against Cubic, over drop-tail and fq_codel; harm: true (3 seeds, the fewest with a CI; 2 s runs, one job). */
export function makeSettingSweep(tag: string): string {
  const tmp = tempDir(tag);
  const file = writeScenario(
    tmp,
    'aqm',
    `
name: aqm
duration: 2s
seeds: 3
harm: true
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: brutal
    brutal: { rate: 10mbit }
  - cc: cubic
sweep:
  flows[0].brutal.rate: [10mbit, 20mbit]
  link.qdisc: [droptail, fq_codel]
`,
  );
  const out = join(tmp, 'sweep');
  const r = cclab(['sweep', file, '--out', out, '--jobs', '1']);
  if (r.status !== 0) throw new Error(`test sweep failed: ${r.stderr}`);
  return out;
}

export function makeCompetingRun(tag: string): string {
  const tmp = tempDir(tag);
  const file = writeScenario(
    tmp,
    'pair',
    `
name: pair
duration: 3s
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
  - cc: reno
    start: 1s
`,
  );
  const out = join(tmp, 'run');
  const r = cclab(['run', file, '--out', out]);
  if (r.status !== 0) throw new Error(`test run failed: ${r.stderr}`);
  return out;
}

/** Pixels of the PNG within a small distance of a colour. */
export async function pixelsOf(buf: Buffer, hex: string): Promise<number> {
  const img = await loadImage(buf);
  const c = createCanvas(img.width, img.height);
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, img.width, img.height).data;
  const n = parseInt(hex.slice(1), 16);
  const [r, gg, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  let count = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i]! - r) + Math.abs(d[i + 1]! - gg) + Math.abs(d[i + 2]! - b) < 30) count++;
  }
  return count;
}
