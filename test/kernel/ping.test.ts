/**
 * ping's output as the latency probe's kernel side reads it.
 */
import { describe, expect, it } from 'vitest';
import { parsePing } from '../../src/kernel/parse/ping.js';

describe('parsePing', () => {
  it("reads busybox's replies by request number (from 0), skipping lost ones", () => {
    const text = [
      'PING 10.201.2.1 (10.201.2.1): 56 data bytes',
      '64 bytes from 10.201.2.1: seq=0 ttl=63 time=40.617 ms',
      '64 bytes from 10.201.2.1: seq=2 ttl=63 time=71.066 ms',
      '',
      '--- 10.201.2.1 ping statistics ---',
      '3 packets transmitted, 2 packets received, 33% packet loss',
    ].join('\n');
    expect([...parsePing(text)]).toEqual([
      [0, 40.617],
      [2, 71.066],
    ]);
  });
  it("reads iputils' replies, which count from 1, and keeps the first of duplicates", () => {
    const text = ['64 bytes from 10.201.2.1: icmp_seq=1 ttl=63 time=40.1 ms', '64 bytes from 10.201.2.1: icmp_seq=1 ttl=63 time=44.0 ms (DUP!)', '64 bytes from 10.201.2.1: icmp_seq=2 ttl=63 time=41.5 ms'].join('\n');
    expect([...parsePing(text)]).toEqual([
      [0, 40.1],
      [1, 41.5],
    ]);
  });
});
