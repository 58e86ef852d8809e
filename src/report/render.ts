/**
 * Rendering chart specs to PNG and SVG with chart.js on @napi-rs/canvas, and
 * writing a results directory's charts/ folder (PNG, SVG and the data behind
 * each chart as JSON).
 */
import { join } from 'node:path';
import { createCanvas, GlobalFonts, SvgExportFlag } from '@napi-rs/canvas';
import { Chart, registerables } from 'chart.js';
import { writeFileAtomic, toJson } from '../results/io.js';
import { toChartConfig, type ChartSpec, type ChartStyle } from './chartconfig.js';

Chart.register(...registerables);

/** Logical size of a chart (CSS pixels); PNGs are drawn at twice this. */
export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 570;

const PREFERRED_FONTS = ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica'];

/** The first preferred font the system has (napi-rs/canvas loads system fonts). */
export function chartFont(): string {
  const have = new Set(GlobalFonts.families.map((f) => f.family));
  return PREFERRED_FONTS.find((f) => have.has(f)) ?? 'sans-serif';
}

function style(pixelRatio: number): ChartStyle {
  return { fontFamily: chartFont(), fontSize: 14, devicePixelRatio: pixelRatio, interactive: false };
}

/** Draw a chart on a canvas context and encode it before chart.js clears the canvas on destroy. */
function draw<T>(spec: ChartSpec, ctx: unknown, pixelRatio: number, encode: () => T): T {
  // chart.js runs with its BasicPlatform in Node (no DOM, no events); without
  // animation the constructor draws the chart once, synchronously
  const chart = new Chart(ctx as ConstructorParameters<typeof Chart>[0], toChartConfig(spec, style(pixelRatio)));
  try {
    return encode();
  } finally {
    chart.destroy();
  }
}

/** A chart as PNG, drawn at `pixelRatio` (2: 1920 × 1140 pixels, crisp in print). */
export function renderPng(spec: ChartSpec, pixelRatio = 2): Buffer {
  // chart.js resizes the canvas to size × devicePixelRatio and scales its drawing
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  return draw(spec, canvas.getContext('2d'), pixelRatio, () => canvas.toBuffer('image/png'));
}

/** A chart as SVG (text kept as text). */
export function renderSvg(spec: ChartSpec): Buffer {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT, SvgExportFlag.NoPrettyXML);
  return draw(spec, canvas.getContext('2d'), 1, () => canvas.getContent());
}

export interface WrittenChart {
  id: string;
  title: string;
  files: string[];
}

/** Write charts/<id>.png, .svg and .json for each spec, plus charts/index.json. */
export function writeCharts(dir: string, specs: readonly ChartSpec[]): WrittenChart[] {
  const out: WrittenChart[] = [];
  const chartsDir = join(dir, 'charts');
  for (const spec of specs) {
    const files = [`${spec.id}.png`, `${spec.id}.svg`, `${spec.id}.json`];
    writeFileAtomic(join(chartsDir, files[0]!), renderPng(spec));
    writeFileAtomic(join(chartsDir, files[1]!), renderSvg(spec));
    writeFileAtomic(join(chartsDir, files[2]!), toJson(spec));
    out.push({ id: spec.id, title: spec.title, files: files.map((f) => join('charts', f)) });
  }
  writeFileAtomic(join(chartsDir, 'index.json'), toJson(out));
  return out;
}
