/**
 * Colours of charts: the Okabe-Ito palette (Okabe & Ito, "Color Universal
 * Design", 2008), chosen to stay distinguishable for readers with the
 * common colour-vision deficiencies; each congestion control also has its
 * own marker and dash pattern (its CcSpec), so that series differ in
 * grayscale print too.
 *
 * The checks the palette is held to (test/report/palette.test.ts) live here:
 * a simulated deuteranopia (Machado, Oliveira & Fernandes 2009, severity 1,
 * applied in linear RGB), relative luminance (WCAG 2, the gray a printer
 * makes of a colour) and CIE76 colour distance in CIELAB.
 */

/** Okabe-Ito in the order charts hand out colours to series no CC names. */
export const OKABE_ITO = {
  blue: '#0072b2',
  vermillion: '#d55e00',
  bluishGreen: '#009e73',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
  reddishPurple: '#cc79a7',
  black: '#000000',
  yellow: '#f0e442',
} as const;

/** Colours for series with no colour of their own (flows of one CC, unknown CCs), yellow last: it is faint on white. */
export const PALETTE: readonly string[] = [
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.orange,
  OKABE_ITO.skyBlue,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.black,
  OKABE_ITO.yellow,
];

type Rgb = [number, number, number];

function rgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toLinear = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const toSrgb = (v: number) => {
  const c = Math.min(1, Math.max(0, v));
  return Math.round(255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055));
};

/** Machado et al. (2009) deuteranomaly matrix at severity 1.0 (deuteranopia), on linear RGB. */
const DEUTERANOPIA = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
] as const;

/** How a colour looks to a deuteranope, as "#rrggbb". */
export function simulateDeuteranopia(hex: string): string {
  const lin = rgb(hex).map(toLinear);
  const out = DEUTERANOPIA.map((row) => toSrgb(row[0] * lin[0]! + row[1] * lin[1]! + row[2] * lin[2]!));
  return `#${out.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2 relative luminance (0 black .. 1 white): the gray a colour prints as. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = rgb(hex).map(toLinear) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function lab(hex: string): Rgb {
  const [r, g, b] = rgb(hex).map(toLinear) as Rgb;
  // sRGB (D65) to XYZ, normalised by the white point
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference (ΔE*ab): about 2 is just noticeable, above 20 clearly different colours. */
export function deltaE(a: string, b: string): number {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
