/**
 * The one rule for switching a flow's CC with --set (scenario/cc-switch.ts),
 * on the document and through `cclab run` and `cclab sweep` (`cclab predict`:
 * test/model/sweep.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySets, validateScenario } from '../../src/scenario/load.js';
import { cclab } from '../helpers/cli.js';

const doc = () => ({
  name: 'sw',
  duration: '1s',
  link: { rate: '20mbit', rtt: '20ms' },
  flows: [{ cc: 'brutal', brutal: { rate: '20mbit' } }, { cc: 'cubic' }],
});

describe('applySets: switching a flow’s cc', () => {
  it('drops the file’s block of the old CC with one note naming it, and the result validates', () => {
    const d = doc();
    const notes = applySets(d, ['flows[0].cc=bbr']);
    expect(notes).toEqual(['--set flows[0].cc=bbr: dropped flows[0].brutal { rate: 20mbit } (parameters for brutal; bbr does not take them)']);
    expect(d.flows[0]).toEqual({ cc: 'bbr' });
    expect(validateScenario(d, 'sw').resolved.flows[0]!.cc).toBe('bbr');
  });

  it('keeps a block the overrides write, so a contradiction typed on the command line is still refused', () => {
    const d = doc();
    expect(applySets(d, ['flows[0].cc=bbr', 'flows[0].brutal.rate=10mbit'])).toEqual([]);
    expect(() => validateScenario(d, 'sw')).toThrow(/^flows\[0\]\.brutal: parameters for brutal given but cc is bbr/);
  });

  it('switching to another CC and giving its block works; the other flow is left alone', () => {
    const d = doc();
    applySets(d, ['flows[1].cc=brutal', 'flows[1].brutal.rate=5mbit']);
    const r = validateScenario(d, 'sw').resolved;
    expect(r.flows.map((f) => f.brutal?.rateBytesPerSec)).toEqual([20e6 / 8, 5e6 / 8]);
  });

  it('path=null removes a field: the block goes and the CC’s defaults apply; no note for what the user removed', () => {
    const d = doc();
    expect(applySets(d, ['flows[0].brutal=null'])).toEqual([]);
    expect(d.flows[0]).toEqual({ cc: 'brutal' });
    const written = validateScenario(doc(), 'sw').resolved.flows[0]!.brutal!.rateBytesPerSec;
    expect(validateScenario(d, 'sw').resolved.flows[0]!.brutal!.rateBytesPerSec).not.toBe(written);
    const e = doc();
    expect(applySets(e, ['flows[0].cc=bbr', 'flows[0].brutal=null'])).toEqual([]);
    expect(validateScenario(e, 'sw').resolved.flows[0]!.cc).toBe('bbr');
    // absent already: nothing happens; a list entry cannot be removed
    applySets(e, ['link.qdisc=null']);
    expect(() => applySets(e, ['flows[1]=null'])).toThrow(/^--set flows\[1\]: null removes a field; a list entry cannot be removed/);
  });

  it('setting the cc it already has drops nothing', () => {
    const d = doc();
    expect(applySets(d, ['flows[0].cc=brutal'])).toEqual([]);
    expect(d.flows[0]).toEqual({ cc: 'brutal', brutal: { rate: '20mbit' } });
  });

  it('switching a QUIC flow to TCP drops its quic block with a note; a block the overrides write is kept and refused', () => {
    const quic = () => ({ ...doc(), flows: [{ cc: 'brutal', transport: 'quic', quic: { pmtud: false, mtu: 1400 }, brutal: { rate: '20mbit' } }] });
    expect(() => validateScenario(Object.assign(quic(), { flows: [{ ...quic().flows[0]!, transport: 'tcp' }] }), 'sw')).toThrow(/quic block/);
    const d = quic();
    const notes = applySets(d, ['flows[0].transport=tcp']);
    expect(notes).toEqual(["--set flows[0].transport=tcp: dropped flows[0].quic { pmtud: false, mtu: 1400 } (QUIC's settings; a TCP flow does not take them)"]);
    const r = validateScenario(d, 'sw').resolved.flows[0]!;
    expect(r.transport).toBeUndefined();
    expect(r.brutal!.rateBytesPerSec).toBe(20e6 / 8);
    // staying on QUIC keeps the block; writing it on the command line keeps it (and the schema refuses it on TCP)
    const q = quic();
    expect(applySets(q, ['flows[0].transport=quic'])).toEqual([]);
    expect(q.flows[0]!.quic).toEqual({ pmtud: false, mtu: 1400 });
    const w = quic();
    expect(applySets(w, ['flows[0].transport=tcp', 'flows[0].quic.mtu=1300'])).toEqual([]);
    expect(() => validateScenario(w, 'sw')).toThrow(/quic block/);
  });
});

describe('cclab run and cclab sweep follow the same rule', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cclab-ccswitch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run: the headline scenario with --set flows[0].cc=bbr runs BBR and says what it dropped', () => {
    const out = join(dir, 'run');
    const r = cclab(['run', 'scenarios/headline.yaml', '--set', 'flows[0].cc=bbr', '--set', 'duration=1s', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: --set flows[0].cc=bbr: dropped flows[0].brutal { rate: 50mbit } (parameters for brutal; bbr does not take them)');
    const resolved = JSON.parse(readFileSync(join(out, 'resolved.json'), 'utf8'));
    expect(resolved.flows[0].cc).toBe('bbr');
    expect(resolved.flows[0].brutal).toBeUndefined();
  });

  it('run: --set flows[0].brutal=null removes the block; a typed contradiction exits 2 with one line', () => {
    const r = cclab(['run', 'scenarios/headline.yaml', '--set', 'flows[0].cc=cubic', '--set', 'flows[0].brutal=null', '--set', 'duration=1s', '--out', join(dir, 'run2')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/dropped/);
    const bad = cclab(['run', 'scenarios/headline.yaml', '--set', 'flows[0].cc=bbr', '--set', 'flows[0].brutal.rate=10mbit', '--out', join(dir, 'run3')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('cclab: flows[0].brutal: parameters for brutal given but cc is bbr');
  });

  it('sweep: --set flows[0].cc=bbr on a Brutal sweep runs BBR at every point and says what it dropped', () => {
    const file = join(dir, 'sw.yaml');
    writeFileSync(file, 'name: sw\nduration: 1s\nlink: {rate: 20mbit, rtt: 20ms, queue: 1bdp}\nflows:\n  - cc: brutal\n    brutal: {rate: 20mbit}\nsweep:\n  link.loss: [0, 1%]\n');
    const out = join(dir, 'sweep');
    const r = cclab(['sweep', file, '--set', 'flows[0].cc=bbr', '--out', out, '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: --set flows[0].cc=bbr: dropped flows[0].brutal { rate: 20mbit } (parameters for brutal; bbr does not take them)');
    const points = readdirSync(join(out, 'points'));
    expect(points).toHaveLength(2);
    for (const p of points) {
      const resolved = JSON.parse(readFileSync(join(out, 'points', p, 'resolved.json'), 'utf8'));
      expect(resolved.flows[0].cc).toBe('bbr');
      expect(resolved.flows[0].brutal).toBeUndefined();
    }
  });
});
