/**
 * cclab_flow, the kernel harness's traffic generator, run on this host over
 * loopback: a byte-limited connection delivers exactly its bytes and logs
 * the ACK of its last byte, a paced on/off connection writes the
 * simulator's schedule of chunks and nothing in its off period, a refused
 * connection is logged (not lost); and the parsers of its logs.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelper, FLOW } from '../../src/kernel/helpers.js';
import { parseFlowLog, parseFlowServerLog } from '../../src/kernel/parse/flow.js';

const run = promisify(execFile);

/** A port nobody listens on right now (the kernel picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function uptimeS(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

let dir = '';
let flow = '';

beforeAll(async () => {
  flow = await buildHelper(FLOW);
  dir = mkdtempSync(join(tmpdir(), 'cclab-flow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cclab_flow over loopback', () => {
  it('delivers exactly the bytes of a byte-limited connection, stamps its last ACK, paces an on/off connection, logs a refused one', async () => {
    const serverPort = await freePort();
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const closedPort = await freePort();
    const chunk = 1448;
    const rate = 10_000_000;
    const t0 = uptimeS() + 0.3; // /proc/uptime has 10 ms steps: start well after it
    const schedule = [
      `dst 127.0.0.1 ${serverPort}`,
      'cc reno',
      `chunk ${chunk}`,
      `conn ${p1} 0.05 3 204800 0`,
      `conn ${p2} 0.1 0.7 0 ${rate}`,
      'on 0.1 0.3',
      'on 0.5 0.6',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'sched.txt'), schedule);
    writeFileSync(join(dir, 'refused.txt'), `dst 127.0.0.1 ${closedPort}\ncc reno\nconn ${p3} 0 1 1000 0\n`);
    const server = spawn(flow, ['server', String(serverPort), join(dir, 'server.log')], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      await run(flow, ['client', join(dir, 'sched.txt'), join(dir, 'client.log'), String(t0)]);
      await run(flow, ['client', join(dir, 'refused.txt'), join(dir, 'refused.log'), String(uptimeS())]);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
    }
    const conns = parseFlowLog(readFileSync(join(dir, 'client.log'), 'utf8'));
    const served = parseFlowServerLog(readFileSync(join(dir, 'server.log'), 'utf8'));
    const short = conns.find((c) => c.lport === p1)!;
    expect(short.written).toBe(204800);
    expect(short.deliveredBytes).toBe(204800);
    expect(short.ackSrc).toBe('tstamp');
    expect(short.synS).not.toBeNull();
    expect(short.doneS!).toBeGreaterThanOrEqual(short.estS!);
    expect(short.estS!).toBeGreaterThanOrEqual(short.synS!);
    expect(short.synS! - (t0 + 0.05)).toBeLessThan(0.05); // started on schedule (a loaded host may be late)
    expect(short.stopS).toBeNull();
    const shortServed = served.find((x) => x.peer === p1)!;
    expect(shortServed.bytes).toBe(204800);
    expect(shortServed.eofS).not.toBeNull();

    // chunks at a + k x 1448 x 8 / R within [0.1, 0.3) and [0.5, 0.6): 173 + 87
    const paced = conns.find((c) => c.lport === p2)!;
    const iv = (chunk * 8) / rate;
    const chunks = Math.ceil(0.2 / iv - 1e-9) + Math.ceil(0.1 / iv - 1e-9);
    expect(chunks).toBe(260);
    expect(paced.written).toBe(chunks * chunk);
    expect(paced.stopS).not.toBeNull();
    const pacedServed = served.find((x) => x.peer === p2)!;
    expect(pacedServed.bytes).toBe(paced.written);
    // nothing arrives before the first on period or after the last one's end (plus loopback's instant delivery)
    expect(pacedServed.firstS!).toBeGreaterThanOrEqual(t0 + 0.1 - 0.001);
    expect(pacedServed.lastS!).toBeLessThan(t0 + 0.6 + 0.05);

    const refused = parseFlowLog(readFileSync(join(dir, 'refused.log'), 'utf8'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.err).toBe('connect:ECONNREFUSED');
    expect(refused[0]!.doneS).toBeNull();
  });
});

describe('cclab_flow logs', () => {
  it('reads client lines (SYN, stamped last ACK, tcp_info less the SYN) and server lines, "-" as not happened', () => {
    const c = parseFlowLog(
      [
        'client conns=2 cc=cubic t0=100.000000 t=99.9',
        'conn lport=40001 start=102.000000 syn=102.000120 est=102.041000 bytes=102400 written=102400 done=102.300500 ack_src=tstamp stop=- acked=102401 bytes_sent=103848 bytes_retrans=1448 data_segs_out=72 total_retrans=1 min_rtt_us=40120 end=102.342000',
        'conn lport=40002 start=103.000000 syn=103.000100 est=- bytes=5000 written=0 done=- ack_src=- stop=110.000000 acked=0 bytes_sent=0 bytes_retrans=0 data_segs_out=0 total_retrans=0 min_rtt_us=0 end=110.000100 err=not-connected',
      ].join('\n'),
    );
    expect(c).toEqual([
      { lport: 40001, startS: 102, synS: 102.00012, estS: 102.041, bytes: 102400, written: 102400, doneS: 102.3005, ackSrc: 'tstamp', stopS: null, deliveredBytes: 102400, bytesSent: 103848, bytesRetrans: 1448, dataSegsOut: 72, totalRetrans: 1, minRttUs: 40120, endS: 102.342 },
      { lport: 40002, startS: 103, synS: 103.0001, estS: null, bytes: 5000, written: 0, doneS: null, ackSrc: '-', stopS: 110, deliveredBytes: 0, bytesSent: 0, bytesRetrans: 0, dataSegsOut: 0, totalRetrans: 0, minRttUs: 0, endS: 110.0001, err: 'not-connected' },
    ]);
    const s = parseFlowServerLog('listen lport=5202 t=99.5\nconn lport=5202 peer=40001 accept=102.02 first=102.06 last=102.29 eof=102.32 bytes=102400\nconn lport=5202 peer=40002 accept=103.02 first=- last=- eof=- bytes=0 err=ECONNRESET\n');
    expect(s).toEqual([
      { lport: 5202, peer: 40001, acceptS: 102.02, firstS: 102.06, lastS: 102.29, eofS: 102.32, bytes: 102400 },
      { lport: 5202, peer: 40002, acceptS: 103.02, firstS: null, lastS: null, eofS: null, bytes: 0, err: 'ECONNRESET' },
    ]);
  });
  it('names the line it cannot read', () => {
    expect(() => parseFlowLog('conn lport=1 start=x\n')).toThrow(/start= in "conn lport=1 start=x"/);
  });
});
