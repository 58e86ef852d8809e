/**
 * The LD_PRELOAD shim's measurement features on this host: the I/O log
 * (CCLAB_SHIM_IOLOG) that kernel/measure-ack-noise.mjs uses to time both
 * iperf3 ends, and CCLAB_SHIM_FIFO. A small C program moves data over a
 * loopback TCP connection under the shim.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelper, SHIM } from '../../src/kernel/helpers.js';

const BYTES = 300_000;
/** Writes 300000 bytes in 3 write() calls over loopback TCP, reads them all, prints its scheduling policy. */
const PROGRAM = `
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static char buf[${BYTES}];
int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, big = 1 << 22;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len)) return 1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (connect(c, (struct sockaddr *)&a, sizeof a)) return 2;
    int s = accept(l, NULL, NULL);
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    memset(buf, 7, sizeof buf);
    for (int i = 0; i < 3; i++)
        if (write(c, buf + i * (${BYTES} / 3), ${BYTES} / 3) != ${BYTES} / 3) return 3;
    close(c);
    long got = 0;
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0) got += n;
    close(s);
    close(l);
    printf("got=%ld policy=%d\\n", got, sched_getscheduler(0));
    return got == ${BYTES} ? 0 : 4;
}
`;

let dir = '';
let program = '';
let shim = '';

beforeAll(async () => {
  shim = await buildHelper(SHIM);
  dir = mkdtempSync(join(tmpdir(), 'cclab-shim-'));
  writeFileSync(join(dir, 'p.c'), PROGRAM);
  program = join(dir, 'p');
  execFileSync('cc', ['-O1', '-o', program, join(dir, 'p.c')]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>): string {
  return execFileSync(program, { env: { ...process.env, LD_PRELOAD: shim, ...env }, encoding: 'utf8' });
}

describe('cclab_shim measurement features', () => {
  it('CCLAB_SHIM_IOLOG logs every read and write on TCP sockets with its start, duration and bytes', () => {
    const log = join(dir, 'io.txt');
    expect(run({ CCLAB_SHIM_IOLOG: log })).toMatch(/^got=300000 /);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const rec = lines.map((l) => {
      const [kind, start, dur, bytes] = l.split(' ');
      return { kind, start: Number(start), dur: Number(dur), bytes: Number(bytes) };
    });
    const writes = rec.filter((r) => r.kind === 'write');
    const reads = rec.filter((r) => r.kind === 'read');
    expect(writes.length + reads.length).toBe(lines.length);
    expect(writes.map((w) => w.bytes)).toEqual([100_000, 100_000, 100_000]);
    expect(reads.reduce((a, r) => a + r.bytes, 0)).toBe(BYTES);
    // wall-clock microseconds (CLOCK_REALTIME, as tcpdump stamps packets), within this test's run
    const nowUs = Date.now() * 1000;
    for (const r of rec) {
      expect(r.start).toBeGreaterThan(nowUs - 60e6);
      expect(r.start).toBeLessThanOrEqual(nowUs);
      expect(r.dur).toBeGreaterThanOrEqual(0);
    }
    // the reads come after the writes that filled the socket
    expect(reads[0]!.start).toBeGreaterThanOrEqual(writes[2]!.start);
  });

  it('leaves the scheduling policy alone, or switches the program to SCHED_FIFO with CCLAB_SHIM_FIFO', () => {
    expect(run({})).toBe('got=300000 policy=0\n');
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    // SCHED_FIFO is 1; without root the shim cannot switch and the program stays SCHED_OTHER
    expect(run({ CCLAB_SHIM_FIFO: '10' })).toBe(`got=300000 policy=${isRoot ? 1 : 0}\n`);
  });
});
