/**
 * bbr3 on the kernel backend: Google's BBRv3 module registers as "bbr", so a
 * plan asks for `bbr` and checks that tcp_bbr is MODULE_VERSION 3; a target
 * without it (Debian's kernel, whose tcp_bbr is v1) fails in one line; ss's
 * bbr:(...,version:N) info must not show another version. The VM here has no
 * BBRv3, so these are plan and parse tests, not a VM run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { executablePlan, generatePlan, PLAN_LIB_FILE } from '../../src/kernel/plan.js';
import { ccInfoVersion } from '../../src/kernel/verify.js';
import { parseSs } from '../../src/kernel/parse/ss.js';

const HINT = 'pass the module with --module <module>.ko';
const plan = (sets: string[]) => generatePlan(loadScenario('scenarios/single-flow.yaml', sets).resolved, { runId: 'r1', moduleHint: HINT });

describe('a bbr3 plan', () => {
  it('runs Linux\'s "bbr" and checks tcp_bbr version 3; other plans have no version check', () => {
    const p = plan(['flows[0].cc=bbr3']);
    expect(p).toContain("CCS='bbr'");
    expect(p).toContain("CC_VERSIONS='bbr 3 bbr3'");
    expect(p).toMatch(/start_client 0 0 '' -C bbr -t 30/);
    expect(plan(['flows[0].cc=bbr'])).not.toContain('CC_VERSIONS');
    expect(plan([])).not.toContain('CC_VERSIONS');
  });
  it('is valid POSIX sh with its library', () => {
    const sh = executablePlan(plan(['flows[0].cc=bbr3']));
    execFileSync('sh', ['-n'], { input: sh });
  });
});

/** plan-lib.sh's version check, run against a stand-in for /sys/module. */
function versionCheck(version: string | null): { code: number | null; out: string } {
  const lib = readFileSync(PLAN_LIB_FILE, 'utf8');
  const start = lib.indexOf('  # CCs that need a module version');
  const end = lib.indexOf('  done\n', start) + '  done\n'.length;
  expect(start).toBeGreaterThan(0);
  const sys = mkdtempSync(join(tmpdir(), 'cclab-bbr3-'));
  if (version !== null) {
    mkdirSync(join(sys, 'tcp_bbr'));
    writeFileSync(join(sys, 'tcp_bbr', 'version'), `${version}\n`);
  }
  const body = lib.slice(start, end).replaceAll('/sys/module', sys);
  const script = `fail() { echo "$2"; exit "$1"; }\nCC_VERSIONS='bbr 3 bbr3'\n${body}echo ok\n`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim() };
}

describe("plan-lib.sh's BBRv3 check", () => {
  it('passes on a v3 kernel (/sys/module/tcp_bbr/version = 3)', () => {
    expect(versionCheck('3')).toEqual({ code: 0, out: 'ok' });
  });
  it("fails in one line, exit 4, on Debian's kernel (tcp_bbr v1 has no MODULE_VERSION)", () => {
    const r = versionCheck(null);
    expect(r.code).toBe(4);
    expect(r.out.split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^cc bbr3 needs tcp_bbr version 3, this kernel's is unversioned \(Linux's BBR v1\): Debian's kernel has no BBRv3/);
  });
  it('fails on another version', () => {
    expect(versionCheck('2').out).toMatch(/this kernel's is 2/);
  });
});

describe("ss's bbr info", () => {
  it('reads version:N from the bbr:(...) group; none from a v1-only ss', () => {
    const ss = parseSs(
      [
        '#T 12.5',
        'ESTAB 0 445984 10.201.1.1:40000 10.201.2.1:5201',
        '\t bbr wscale:10,10 rto:252 rtt:51.2/0.4 mss:1448 cwnd:240 bbr:(bw:47.8Mbps,mrtt:50.1,pacing_gain:1,cwnd_gain:2,version:3) bytes_sent:1000',
        'ESTAB 0 445984 10.201.1.1:40001 10.201.2.1:5202',
        '\t bbr wscale:10,10 rto:252 rtt:51.2/0.4 mss:1448 cwnd:240 bbr:(bw:47.8Mbps,mrtt:50.1,pacing_gain:1.25,cwnd_gain:2) bytes_sent:1000',
      ].join('\n'),
    );
    expect(ss.map((x) => x.cc)).toEqual(['bbr', 'bbr']);
    expect(ccInfoVersion(ss[0]!.fields.bbr)).toBe('3');
    expect(ccInfoVersion(ss[1]!.fields.bbr)).toBeNull();
    expect(ccInfoVersion(undefined)).toBeNull();
  });
});
