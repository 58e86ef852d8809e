import { describe, expect, it } from 'vitest';
import { parsePercent, parseQueue, parseRate, parseSize, parseTime, UnitError } from '../src/scenario/units.js';

describe('units as tc and iperf3 write them', () => {
  it('reads rates in bits and bytes per second', () => {
    expect(parseRate('50mbit')).toBe(50e6);
    expect(parseRate('1gbit')).toBe(1e9);
    expect(parseRate('500kbit')).toBe(500e3);
    expect(parseRate('62500bps')).toBe(500e3); // tc: bps = bytes per second
    expect(parseRate('50M')).toBe(50e6); // iperf3
  });
  it('reads times into integer nanoseconds', () => {
    expect(parseTime('25ms')).toBe(25e6);
    expect(parseTime('1.5s')).toBe(1.5e9);
    expect(parseTime('200us')).toBe(200e3);
    expect(parseTime(0)).toBe(0);
  });
  it('reads sizes with 1024-based units as tc', () => {
    expect(parseSize('64kb')).toBe(65536);
    expect(parseSize('1mb')).toBe(1048576);
    expect(parseSize('1500')).toBe(1500);
  });
  it('reads percentages and refuses ambiguous bare numbers', () => {
    expect(parsePercent('1%')).toBeCloseTo(0.01, 12);
    expect(parsePercent('0.1%')).toBeCloseTo(0.001, 12);
    expect(parsePercent(0)).toBe(0);
    expect(() => parsePercent(1)).toThrow(UnitError);
    expect(() => parsePercent('101%')).toThrow(/between 0% and 100%/);
  });
  it('reads queues in packets, bytes and BDP multiples', () => {
    expect(parseQueue(100)).toEqual({ kind: 'packets', value: 100 });
    expect(parseQueue('100p')).toEqual({ kind: 'packets', value: 100 });
    expect(parseQueue('64kb')).toEqual({ kind: 'bytes', value: 65536 });
    expect(parseQueue('2bdp')).toEqual({ kind: 'bdp', value: 2 });
  });
  it('names the allowed units when the unit is unknown', () => {
    expect(() => parseRate('50mbits')).toThrow(/unknown rate unit "mbits".*allowed/);
    expect(() => parseTime('25')).toThrow(/needs a unit/);
    expect(() => parseTime('5 fortnights')).toThrow(/unknown time unit/);
  });
});
