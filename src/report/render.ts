/**
 * Rendering chart specs to PNG, SVG and PDF with chart.js on @napi-rs/canvas
 * (Skia: SVG through its SVG canvas, PDF through its PDFDocument, both
 * keeping text as text), and writing a results directory's charts/ folder
 * (the chosen formats and the data behind each chart as JSON).
 */
import { join } from 'node:path';
import { createCanvas, GlobalFonts, PDFDocument, SvgExportFlag } from '@napi-rs/canvas';
import { Chart, registerables } from 'chart.js';
import { writeFileAtomic, toJson } from '../results/io.js';
import { toChartConfig, type ChartSpec, type ChartStyle } from './chartconfig.js';

Chart.register(...registerables);

/** Logical size of a chart (CSS pixels; PDF points); PNGs are drawn at twice this. */
export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 570;
/** Base font size (CSS pixels; PDF points). */
export const CHART_FONT_SIZE = 14;

/** The formats `cclab chart --format` writes. */
export const CHART_FORMATS = ['png', 'svg', 'pdf'] as const;
export type ChartFormat = (typeof CHART_FORMATS)[number];

/** Size and font of a figure: a paper's column wants 480 × 300 at 9 pt, a slide 960 × 570 at 14. */
export interface FigureOptions {
  width: number;
  height: number;
  fontSize: number;
}

export const DEFAULT_FIGURE: FigureOptions = { width: CHART_WIDTH, height: CHART_HEIGHT, fontSize: CHART_FONT_SIZE };

const PREFERRED_FONTS = ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica'];

/** The first preferred font the system has (napi-rs/canvas loads system fonts). */
export function chartFont(): string {
  const have = new Set(GlobalFonts.families.map((f) => f.family));
  return PREFERRED_FONTS.find((f) => have.has(f)) ?? 'sans-serif';
}

function style(pixelRatio: number, fig: FigureOptions): ChartStyle {
  return { fontFamily: chartFont(), fontSize: fig.fontSize, devicePixelRatio: pixelRatio, interactive: false };
}

/** The chart.js configuration of a spec at a figure's size (its aspect ratio, not the screen's). */
function config(spec: ChartSpec, pixelRatio: number, fig: FigureOptions): ReturnType<typeof toChartConfig> {
  const c = toChartConfig(spec, style(pixelRatio, fig));
  c.options.aspectRatio = fig.width / fig.height;
  return c;
}

/** Draw a chart on a canvas context and encode it before chart.js clears the canvas on destroy. */
function draw<T>(spec: ChartSpec, ctx: unknown, pixelRatio: number, fig: FigureOptions, encode: () => T): T {
  // chart.js runs with its BasicPlatform in Node (no DOM, no events); without
  // animation the constructor draws the chart once, synchronously
  const chart = new Chart(ctx as ConstructorParameters<typeof Chart>[0], config(spec, pixelRatio, fig));
  try {
    return encode();
  } finally {
    chart.destroy();
  }
}

/** A chart as PNG, drawn at `pixelRatio` (2: 1920 × 1140 pixels at the default size, crisp in print). */
export function renderPng(spec: ChartSpec, pixelRatio = 2, fig: FigureOptions = DEFAULT_FIGURE): Buffer {
  // chart.js resizes the canvas to size × devicePixelRatio and scales its drawing
  const canvas = createCanvas(fig.width, fig.height);
  return draw(spec, canvas.getContext('2d'), pixelRatio, fig, () => canvas.toBuffer('image/png'));
}

/** A chart as SVG (text kept as text). */
export function renderSvg(spec: ChartSpec, fig: FigureOptions = DEFAULT_FIGURE): Buffer {
  const canvas = createCanvas(fig.width, fig.height, SvgExportFlag.NoPrettyXML);
  return draw(spec, canvas.getContext('2d'), 1, fig, () => canvas.getContent());
}

/**
 * A chart as a one-page PDF of width × height points, vector and with its
 * text as text (pdftotext finds the axis titles). Skia's PDF page has a
 * drawing context but no canvas, so chart.js gets a stand-in canvas of the
 * page's size; the page is closed before chart.js clears its canvas.
 */
export function renderPdf(spec: ChartSpec, fig: FigureOptions = DEFAULT_FIGURE): Buffer {
  const doc = new PDFDocument({ title: spec.title, subject: spec.subtitle ?? '', creator: 'cclab' });
  const ctx = doc.beginPage(fig.width, fig.height);
  const canvas = { width: fig.width, height: fig.height, style: {}, getContext: () => ctx };
  Object.defineProperty(ctx, 'canvas', { value: canvas, configurable: true });
  return draw(spec, canvas, 1, fig, () => {
    doc.endPage();
    return doc.close();
  });
}

/** A chart in one format. */
export function renderChart(spec: ChartSpec, format: ChartFormat, fig: FigureOptions = DEFAULT_FIGURE): Buffer {
  if (format === 'png') return renderPng(spec, 2, fig);
  if (format === 'svg') return renderSvg(spec, fig);
  return renderPdf(spec, fig);
}

export interface WrittenChart {
  id: string;
  title: string;
  files: string[];
}

export interface WriteOptions {
  /** Formats to write (default PNG and SVG); the JSON data is always written. */
  formats?: readonly ChartFormat[];
  figure?: FigureOptions;
  /** Folder for the files (default <dir>/charts). */
  outDir?: string;
}

/** Write <outDir>/<id>.<format> for each spec and format, its .json data, plus index.json. */
export function writeCharts(dir: string, specs: readonly ChartSpec[], opts: WriteOptions = {}): WrittenChart[] {
  const out: WrittenChart[] = [];
  const chartsDir = opts.outDir ?? join(dir, 'charts');
  const formats = opts.formats ?? ['png', 'svg'];
  const fig = opts.figure ?? DEFAULT_FIGURE;
  for (const spec of specs) {
    const files: string[] = [];
    for (const f of formats) {
      writeFileAtomic(join(chartsDir, `${spec.id}.${f}`), renderChart(spec, f, fig));
      files.push(`${spec.id}.${f}`);
    }
    writeFileAtomic(join(chartsDir, `${spec.id}.json`), toJson(spec));
    files.push(`${spec.id}.json`);
    out.push({ id: spec.id, title: spec.title, files: files.map((f) => join(chartsDir === join(dir, 'charts') ? 'charts' : chartsDir, f)) });
  }
  writeFileAtomic(join(chartsDir, 'index.json'), toJson(out));
  return out;
}
