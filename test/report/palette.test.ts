/**
 * Colours that every reader can tell apart: the congestion controls'
 * colours stay distinct for a deuteranope (simulated with Machado et al.'s
 * matrix), and in grayscale print each CC differs from every other by its
 * lightness or by both its marker and its dash pattern.
 */
import { describe, expect, it } from 'vitest';
import { ccNames, ccSpec } from '../../src/cc/index.js';
import { quicCcNames, quicCcSpec } from '../../src/quic/cc/index.js';
import { deltaE, OKABE_ITO, PALETTE, relativeLuminance, simulateDeuteranopia } from '../../src/report/palette.js';

/** ΔE*ab below this reads as "the same colour" at chart line widths. */
const MIN_DELTA_E = 15;
/** Lightness (CIE L*) difference that prints as a different gray. */
const MIN_DELTA_L = 20;

const lightness = (hex: string) => {
  const y = relativeLuminance(hex);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
};

const specs = ccNames().map((n) => ccSpec(n)!);
const pairs = specs.flatMap((a, i) => specs.slice(i + 1).map((b) => [a, b] as const));

describe('chart colours', () => {
  it('give each registered CC an Okabe-Ito colour of its own', () => {
    const okabe = new Set(Object.values(OKABE_ITO).map((c) => c.toLowerCase()));
    for (const s of specs) expect(okabe.has(s.color.toLowerCase()), `${s.name} ${s.color}`).toBe(true);
    expect(new Set(specs.map((s) => s.color.toLowerCase())).size).toBe(specs.length);
  });

  it('stay distinct under a simulated deuteranopia', () => {
    expect(pairs.length).toBeGreaterThan(5);
    for (const [a, b] of pairs) {
      const d = deltaE(simulateDeuteranopia(a.color), simulateDeuteranopia(b.color));
      expect(d, `${a.name} ${a.color} vs ${b.name} ${b.color}: ΔE ${d.toFixed(1)}`).toBeGreaterThanOrEqual(MIN_DELTA_E);
    }
  });

  it('the check catches the red/green pair it is there for (the old Brutal and Cubic colours)', () => {
    expect(deltaE('#d62728', '#2ca02c')).toBeGreaterThan(50); // plainly different to a trichromat
    expect(deltaE(simulateDeuteranopia('#d62728'), simulateDeuteranopia('#2ca02c'))).toBeLessThan(MIN_DELTA_E);
  });

  it('differ in grayscale: by lightness, or by both marker and dash pattern', () => {
    for (const [a, b] of pairs) {
      const byGray = Math.abs(lightness(a.color) - lightness(b.color)) >= MIN_DELTA_L;
      const byShape = a.marker !== b.marker && JSON.stringify(a.dash) !== JSON.stringify(b.dash);
      expect(byGray || byShape, `${a.name} vs ${b.name}`).toBe(true);
    }
  });

  it('draw each QUIC controller (its series "<cc>/quic") apart from every TCP CC and every other QUIC one, in grayscale too', () => {
    const okabe = new Set(Object.values(OKABE_ITO).map((c) => c.toLowerCase()));
    const quic = quicCcNames().map((n) => ({ ...quicCcSpec(n)!, name: `${n}/quic` }));
    expect(quic.length).toBeGreaterThanOrEqual(3);
    for (const q of quic) expect(okabe.has(q.color.toLowerCase()), `${q.name} ${q.color}`).toBe(true);
    // TCP Brutal and QUIC Brutal, the pair the QUIC study compares, differ in colour as well
    const tcpColors = new Set(specs.map((s) => s.color.toLowerCase()));
    expect(tcpColors.has(quicCcSpec('brutal')!.color.toLowerCase())).toBe(false);
    const all = [...specs, ...quic];
    for (const q of quic) {
      for (const o of all) {
        if (o === q) continue;
        const byGray = Math.abs(lightness(q.color) - lightness(o.color)) >= MIN_DELTA_L;
        const byShape = q.marker !== o.marker && JSON.stringify(q.dash) !== JSON.stringify(o.dash);
        expect(byGray || byShape, `${q.name} vs ${o.name}`).toBe(true);
      }
    }
  });

  it('hand out the palette for unnamed series in distinct colours', () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
    for (let i = 0; i < 6; i++) {
      for (let j = i + 1; j < 6; j++) expect(deltaE(simulateDeuteranopia(PALETTE[i]!), simulateDeuteranopia(PALETTE[j]!))).toBeGreaterThanOrEqual(10);
    }
  });
});
