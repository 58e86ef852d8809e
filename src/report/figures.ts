/**
 * What `cclab chart` draws and how: the formats, the figure's size and
 * font, which charts (--only, or --metric/--x/--facet), which sweep point
 * the time series show (--point), the seeds' own points, the smoothing
 * window. Given on the command line or in a chart spec file, so that a
 * paper's figures are redrawn the same way after every new sweep:
 *
 *   # figures.yaml: cclab chart results/headline --spec figures.yaml
 *   formats: [pdf, png]
 *   width: 480          # points (PDF, SVG) and CSS pixels (PNG: twice)
 *   height: 300
 *   fontSize: 9
 *   seedPoints: true
 *   window: 2s          # per-flow throughput, goodput and Jain windows
 *   point: {link.loss: 1%, link.rtt: 50ms}
 *   charts:
 *     - {metric: retrans_ratio, x: link.loss, facet: link.rtt}
 *     - {only: [throughput-vs-delay*, flows-*]}
 *
 * Options on the command line override the file's.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { InputError } from '../scenario/errors.js';
import { parseTime } from '../scenario/units.js';
import { schemaIssue } from '../results/read.js';
import { CHART_FORMATS, DEFAULT_FIGURE, type ChartFormat, type FigureOptions } from './render.js';
import type { ChartSpec } from './chartconfig.js';
import type { ChartOptions, CustomChart } from './specs.js';

export interface FigurePlan {
  formats: ChartFormat[];
  figure: FigureOptions;
  chart: ChartOptions;
  /** Id patterns of the default charts to keep (`*` any text); empty: all. */
  only: string[];
  /** Whether the default charts are drawn besides the custom ones. */
  defaults: boolean;
}

/** Limits of a figure's size (CSS pixels / points) and font (pixels / points). */
const SIZE = { min: 100, max: 8000 };
const FONT = { min: 4, max: 72 };

const chartEntry = z.union([
  z.strictObject({ metric: z.string(), x: z.string().optional(), facet: z.string().optional(), title: z.string().optional() }),
  z.strictObject({ only: z.union([z.string(), z.array(z.string())]) }),
]);

const specFileSchema = z.strictObject({
  formats: z.union([z.string(), z.array(z.string())]).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  fontSize: z.number().optional(),
  seedPoints: z.boolean().optional(),
  window: z.union([z.string(), z.number()]).optional(),
  point: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  charts: z.array(chartEntry).optional(),
});

/** The command line's options (strings as commander gives them). */
export interface ChartCliOptions {
  format?: string;
  width?: string;
  height?: string;
  fontSize?: string;
  metric?: string;
  x?: string;
  facet?: string;
  point: string[];
  only?: string;
  seedPoints?: boolean;
  window?: string;
  spec?: string;
}

function parseFormats(flag: string, v: string | string[]): ChartFormat[] {
  const list = (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim().toLowerCase()).filter(Boolean);
  const bad = list.find((x) => !(CHART_FORMATS as readonly string[]).includes(x));
  if (bad !== undefined || list.length === 0) throw new InputError(`${flag}: expected a comma-separated list of ${CHART_FORMATS.join(', ')}, got "${Array.isArray(v) ? v.join(',') : v}"`);
  return [...new Set(list)] as ChartFormat[];
}

function parseNumber(flag: string, v: string | number, lim: { min: number; max: number }): number {
  const n = typeof v === 'number' ? v : /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < lim.min || n > lim.max) throw new InputError(`${flag}: expected a number from ${lim.min} to ${lim.max}, got "${v}"`);
  return n;
}

function parseWindow(flag: string, v: string | number): number {
  let ns: number;
  try {
    ns = parseTime(v);
  } catch (e) {
    throw new InputError(`${flag}: ${(e as Error).message}`);
  }
  if (ns < 1e6 || ns > 3600e9) throw new InputError(`${flag}: expected a time from 1ms to 1h such as 1s or 500ms, got "${v}"`);
  return ns / 1e9;
}

/** "link.loss=1%" (repeatable, or comma-separated) -> { 'link.loss': '1%' }. */
function parsePoint(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items.flatMap((x) => x.split(','))) {
    const t = item.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new InputError(`--point: expected path=value such as link.loss=1% (comma-separated or repeated), got "${t}"`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

function readSpecFile(file: string): z.infer<typeof specFileSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`--spec: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const r = specFileSchema.safeParse(doc ?? {});
  if (!r.success) throw new InputError(`${file}: ${schemaIssue(r.error)}; a chart spec file has formats, width, height, fontSize, seedPoints, window, point and charts (- {metric, x, facet, title} or - {only: [...]})`);
  return r.data;
}

/** The command line and spec file made into one plan; InputError (one line naming the option) on bad input. */
export function figurePlan(o: ChartCliOptions): FigurePlan {
  const file = o.spec !== undefined ? readSpecFile(o.spec) : {};
  const src = (flag: string, key: string) => (o.spec !== undefined && flag === '' ? `${o.spec}: ${key}` : flag);
  const formats = o.format !== undefined ? parseFormats('--format', o.format) : file.formats !== undefined ? parseFormats(src('', 'formats'), file.formats) : (['png', 'svg'] as ChartFormat[]);
  const figure: FigureOptions = {
    width: o.width !== undefined ? parseNumber('--width', o.width, SIZE) : file.width !== undefined ? parseNumber(src('', 'width'), file.width, SIZE) : DEFAULT_FIGURE.width,
    height: o.height !== undefined ? parseNumber('--height', o.height, SIZE) : file.height !== undefined ? parseNumber(src('', 'height'), file.height, SIZE) : DEFAULT_FIGURE.height,
    fontSize: o.fontSize !== undefined ? parseNumber('--font-size', o.fontSize, FONT) : file.fontSize !== undefined ? parseNumber(src('', 'fontSize'), file.fontSize, FONT) : DEFAULT_FIGURE.fontSize,
  };
  const chart: ChartOptions = {};
  const seedPoints = o.seedPoints ?? file.seedPoints;
  if (seedPoints !== undefined) chart.seedPoints = seedPoints;
  if (o.window !== undefined) chart.windowS = parseWindow('--window', o.window);
  else if (file.window !== undefined) chart.windowS = parseWindow(src('', 'window'), file.window);
  const point = o.point.length ? parsePoint(o.point) : file.point ? Object.fromEntries(Object.entries(file.point).map(([k, v]) => [k, String(v)])) : undefined;
  if (point && Object.keys(point).length) chart.point = point;

  const custom: CustomChart[] = [];
  const only: string[] = [];
  if (o.metric !== undefined || o.x !== undefined || o.facet !== undefined) {
    custom.push({ metric: o.metric ?? 'goodput_mbps', ...(o.x !== undefined ? { x: o.x } : {}), ...(o.facet !== undefined ? { facet: o.facet } : {}) });
  } else {
    for (const c of file.charts ?? []) {
      if ('metric' in c) custom.push({ metric: c.metric, ...(c.x !== undefined ? { x: c.x } : {}), ...(c.facet !== undefined ? { facet: c.facet } : {}), ...(c.title !== undefined ? { title: c.title } : {}) });
      else only.push(...(Array.isArray(c.only) ? c.only : [c.only]));
    }
  }
  if (o.only !== undefined) {
    only.length = 0;
    only.push(...o.only.split(',').map((x) => x.trim()).filter(Boolean));
    if (only.length === 0) throw new InputError('--only: expected a comma-separated list of chart ids (a * matches any text), e.g. throughput-vs-delay*,flows-throughput');
  }
  if (custom.length) chart.custom = custom;
  // the default charts: unless only custom ones were asked for
  const defaults = custom.length === 0 || only.length > 0;
  return { formats, figure, chart, only, defaults };
}

function globRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** The specs whose id matches one of the patterns (all when none); InputError naming a pattern that matches nothing. */
export function selectCharts(specs: readonly ChartSpec[], patterns: readonly string[], flag = '--only'): ChartSpec[] {
  if (patterns.length === 0) return specs.slice();
  const res = patterns.map((p) => ({ p, re: globRegex(p) }));
  for (const { p, re } of res) {
    if (!specs.some((s) => re.test(s.id))) {
      const ids = specs.map((s) => s.id);
      throw new InputError(`${flag}: no chart "${p}" here; the charts are ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? `, ... (${ids.length})` : ''}`);
    }
  }
  return specs.filter((s) => res.some(({ re }) => re.test(s.id)));
}
