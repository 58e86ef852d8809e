/**
 * `cclab run` through the CLI, as a child process: outputs and bad input.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab } from '../helpers/cli.js';

const SCENARIO = 'scenarios/single-flow.yaml';

describe('cclab run', () => {
  it('writes summary.json, timeseries.csv, transitions.csv, the scenario and metadata atomically', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cclab-run-')), 'run');
    const r = cclab(['run', SCENARIO, '--set', 'duration=3s', '--set', 'link.loss=1%', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/goodput/);
    expect(readdirSync(out).sort()).toEqual(['.cclab', 'meta.json', 'resolved.json', 'scenario.yaml', 'summary.json', 'timeseries.csv', 'transitions.csv']);
    expect(JSON.parse(readFileSync(join(out, '.cclab'), 'utf8'))).toMatchObject({ schema: 'cclab.folder/1', kind: 'run', backend: 'sim' });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.schema).toBe('cclab.summary/1');
    expect(summary.flows[0].goodputMbps).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'scenario.yaml'), 'utf8')).toMatch(/loss: 1%/);
    const csv = readFileSync(join(out, 'timeseries.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('time_s,flow,cwnd_pkts,pacing_mbps,inflight_pkts,delivery_mbps,srtt_ms,goodput_mbps,retrans_segs,queue_pkts,queue_bytes,link_mbps,ca_state,cc_mode,delivered_bytes');
    // a flow row ends with its congestion state, (Cubic: no) mode and the bytes delivered so far
    expect(csv.find((l) => l.startsWith('1,0,'))).toMatch(/,(Open|Disorder|CWR|Recovery|Loss),,\d+$/);
    // 1% loss: the flow recovered from losses, and each change is a row
    const transitions = readFileSync(join(out, 'transitions.csv'), 'utf8').trim().split('\n');
    expect(transitions[0]).toBe('time_s,flow,kind,from,to');
    expect(transitions.slice(1).some((l) => /^[\d.]+,0,ca_state,(Open|Disorder),Recovery$/.test(l))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.backend).toBe('sim');
    expect(meta.seed).toBe(1);
  });

  it('--json prints summary.json and the same seed gives the same bytes', () => {
    const a = cclab(['run', SCENARIO, '--set', 'duration=2s', '--json', '--out', join(mkdtempSync(join(tmpdir(), 'cclab-')), 'a')]);
    const b = cclab(['run', SCENARIO, '--set', 'duration=2s', '--json', '--out', join(mkdtempSync(join(tmpdir(), 'cclab-')), 'b')]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).flows).toHaveLength(1);
    expect(b.stdout).toBe(a.stdout);
  });

  it('on a sweep file, runs the base scenario once and says so on stderr', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cclab-run-')), 'run');
    const r = cclab(['run', 'scenarios/headline.yaml', '--set', 'duration=1s', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: scenarios\/headline\.yaml describes a sweep; cclab run runs its base scenario once \(seed 1\); use cclab sweep for every point$/m);
    const summary = JSON.parse(r.stdout);
    expect(summary.flows).toHaveLength(1);
    expect(summary.flows[0].cc).toBe('brutal');
  });

  it('--set link.delay replaces the link.rtt a scenario was written with (and the other way round)', () => {
    const r = cclab(['run', SCENARIO, '--set', 'duration=2s', '--set', 'link.delay={forward: 10ms, reverse: 40ms}', '--json', '--out', join(mkdtempSync(join(tmpdir(), 'cclab-')), 'd')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).link.rttMs).toBe(50);
    const dir = mkdtempSync(join(tmpdir(), 'cclab-delay-'));
    const file = join(dir, 'delay.yaml');
    writeFileSync(file, 'duration: 2s\nlink: {rate: 20mbit, delay: {forward: 5ms, reverse: 5ms}}\nflows: [{cc: cubic}]\n');
    const back = cclab(['run', file, '--set', 'link.rtt=30ms', '--json', '--out', join(dir, 'run')]);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).link.rttMs).toBe(30);
  });

  it('--help lists the commands', () => {
    const r = cclab(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \[options\] <scenario>/);
  });
});

describe('bad input: one line naming the field, exit 2, no result directory', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown congestion control', ['--set', 'flows[0].cc=bbr2'], /^cclab: flows\[0\]\.cc: unknown congestion control "bbr2"; known: reno, cubic, bbr, brutal, dctcp, bbr3$/],
    ['negative rate', ['--set', 'link.rate=-5mbit'], /^cclab: link\.rate: .*negative/],
    ['loss above 100%', ['--set', 'link.loss=101%'], /^cclab: link\.loss: .*between 0% and 100%/],
    ['unknown unit', ['--set', 'link.rtt=50lightyears'], /^cclab: link\.rtt: unknown time unit "lightyears"/],
    ['Brutal rate below the module minimum', ['--set', 'flows[0].cc=brutal', '--set', 'flows[0].brutal.rate=400kbit'], /^cclab: flows\[0\]\.brutal\.rate: below tcp_brutal's minimum of 500kbit/],
    ['Brutal cwndGain above 80', ['--set', 'flows[0].cc=brutal', '--set', 'flows[0].brutal.cwndGain=90'], /^cclab: flows\[0\]\.brutal\.cwndGain: must be between 5 and 80/],
    ['Brutal cwndGain below 5', ['--set', 'flows[0].cc=brutal', '--set', 'flows[0].brutal.cwndGain=4'], /^cclab: flows\[0\]\.brutal\.cwndGain: must be between 5 and 80/],
    ['bad --set path', ['--set', 'link.bandwidth=10mbit'], /^cclab: link: unknown field "bandwidth"; known: rate, trace, rtt/],
    ['--set index out of range', ['--set', 'flows[3].cc=reno'], /^cclab: --set flows\[3\]\.cc: flows has 1 entry/],
    ['--set without =', ['--set', 'link.loss'], /^cclab: --set link\.loss: expected path=value/],
    ['ackJitter without its 100% quantile', ['--set', 'link.ackJitter={"50%": 0us, "99%": 100us}'], /^cclab: link\.ackJitter: needs a "100%" quantile/],
    ['ackJitter times that fall', ['--set', 'link.ackJitter={"50%": 10us, "100%": 5us}'], /^cclab: link\.ackJitter: quantile times must not decrease/],
    ['ackJitter quantile without %', ['--set', 'link.ackJitter={"0.5": 10us, "100%": 20us}'], /^cclab: link\.ackJitter: quantile "0\.5": .*write a percentage/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const dir = mkdtempSync(join(tmpdir(), 'cclab-bad-'));
      const out = join(dir, 'run');
      const r = cclab(['run', SCENARIO, ...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('missing field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-bad-'));
    const file = join(dir, 'nolink.yaml');
    writeFileSync(file, 'duration: 5s\nflows:\n  - cc: reno\n');
    const r = cclab(['run', file, '--out', join(dir, 'run')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe('cclab: link: missing: give link (one link every flow crosses) or links (a chain, with flows[].path)');
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });

  it('unreadable scenario file', () => {
    const r = cclab(['run', '/nonexistent/scenario.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe('cclab: /nonexistent/scenario.yaml: cannot read scenario file (ENOENT)');
  });
});
