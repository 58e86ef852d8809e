import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from './cli.js';

const BASE = `
name: bad
duration: 1s
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
`;

/** [case, extra YAML, what the one-line message must say] */
const CASES: [string, string, RegExp][] = [
  ['unknown path', 'sweep:\n  link.lost: [1%, 2%]', /^cclab: sweep\.link\.lost: not a scenario path: link: unknown field "lost"; known: rate, trace, rtt/],
  ['path that is no path', 'sweep:\n  "link..loss": [1%]', /^cclab: sweep\.link\.\.loss: not a scenario path/],
  ['list index that does not exist', 'sweep:\n  flows[2].cc: [reno]', /^cclab: sweep\.flows\[2\]\.cc: flows has 1 entry \(index 2 does not exist\)/],
  ['empty list', 'sweep:\n  link.loss: []', /^cclab: sweep\.link\.loss: empty list; give at least one value/],
  ['not a list', 'sweep:\n  link.loss: 1%', /^cclab: sweep\.link\.loss: expected a list of values/],
  ['value that is not a percentage', 'sweep:\n  link.loss: [1%, 5x]', /^cclab: sweep\.link\.loss\[1\] = "5x": link\.loss: unknown unit "x" in "5x"; write a percentage such as 1%/],
  ['negative rate', 'sweep:\n  link.rate: [10mbit, -5mbit]', /^cclab: sweep\.link\.rate\[1\] = "-5mbit": link\.rate: rate must not be negative/],
  ['unknown congestion control', 'sweep:\n  flows[0].cc: [reno, bbr2]', /^cclab: sweep\.flows\[0\]\.cc\[1\] = "bbr2": flows\[0\]\.cc: unknown congestion control "bbr2"; known: reno, cubic, bbr, brutal, dctcp, bbr3/],
  ['per-CC parameter for another CC', 'sweep:\n  flows[0].brutal.rate: [10mbit]', /^cclab: sweep\.flows\[0\]\.brutal\.rate\[0\] = "10mbit": flows\[0\]\.brutal: parameters for brutal given but cc is reno/],
  ['value listed twice', 'sweep:\n  link.loss: [1%, 1%]', /^cclab: sweep\.link\.loss\[1\]: "1%" is listed twice/],
  ['overlapping paths', 'sweep:\n  link: [{rate: 1mbit, rtt: 1ms}]\n  link.loss: [1%]', /^cclab: sweep\.link\.loss: overlaps sweep\.link/],
  ['sweeping the seed', 'sweep:\n  seed: [1, 2]', /^cclab: sweep\.seed: "seed" cannot be swept: use "seeds: N"/],
  ['zip of unequal lengths', 'sweep:\n  link.loss: [0, 1%]\n  link.rtt: [10ms, 20ms, 40ms]\nzip: [[link.loss, link.rtt]]', /^cclab: zip\[0\]: link\.loss has 2 values but link\.rtt has 3/],
  ['zip of a path not swept', 'sweep:\n  link.loss: [0, 1%]\nzip: [[link.loss, link.rtt]]', /^cclab: zip\[0\]: "link\.rtt" is not a sweep path/],
  ['zero seeds', 'seeds: 0', /^cclab: seeds: must be between 1 and 1000/],
  ['harm with one flow', 'harm: true', /^cclab: harm: needs at least two flows/],
  ['combination that is no scenario', 'sweep:\n  flows[0].start: [0, 1s]', /^cclab: sweep\.flows\[0\]\.start\[1\] = "1s": flows\[0\]\.start: must be earlier than the scenario duration/],
];

describe('bad sweep specs', () => {
  it.each(CASES)('%s: one line naming the path, exit 2, no results', (_name, extra, message) => {
    const tmp = tempDir('bad');
    const file = writeScenario(tmp, 'bad', `${BASE}${extra}\n`);
    const out = join(tmp, 'out');
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a bad --jobs and a bad --set the same way', () => {
    const tmp = tempDir('badflag');
    const file = writeScenario(tmp, 'ok', `${BASE}sweep:\n  link.loss: [0, 1%]\n`);
    const jobs = cclab(['sweep', file, '--jobs', '0', '--out', join(tmp, 'o1')]);
    expect(jobs.status).toBe(2);
    expect(jobs.stderr.trim()).toBe('cclab: --jobs: expected a whole number from 1 to 1024, got "0"');
    const set = cclab(['sweep', file, '--set', 'sweep.link.loss=[]', '--out', join(tmp, 'o2')]);
    expect(set.status).toBe(2);
    expect(set.stderr.trim()).toMatch(/^cclab: sweep\.link\.loss: empty list/);
  });
});
