/**
 * The report's "Surrogate model" section: when `cclab fit` has left a model
 * in <results-dir>/model, the report shows its held-out accuracy and the
 * predicted charts it drew (break-even lines first, then the heatmaps per
 * metric), embedded as PNG data so the report stays one self-contained file.
 * Reads files only; fitting and rendering belong to src/model.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelMeta } from '../model/surrogate.js';

export interface ModelChartFile {
  id: string;
  title: string;
  subtitle: string;
  png: Buffer;
}

export interface ModelReport {
  meta: ModelMeta;
  charts: ModelChartFile[];
}

/** Break-even charts first, then goodput, retransmissions and delay heatmaps; by name within each. */
function chartRank(id: string): number {
  const order = ['predicted-breakeven-', 'predicted-goodput-', 'predicted-retransRatio-', 'predicted-rttP95-'];
  const i = order.findIndex((p) => id.startsWith(p));
  return i < 0 ? order.length : i;
}

/** The model under <dir>/model and its charts, or null when there is none. */
export function loadModelReport(dir: string): ModelReport | null {
  const modelDir = join(dir, 'model');
  const metaFile = join(modelDir, 'cclab-model.json');
  if (!existsSync(metaFile)) return null;
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ModelMeta;
  const chartDir = join(modelDir, 'charts');
  const charts: ModelChartFile[] = [];
  if (existsSync(chartDir)) {
    const ids = readdirSync(chartDir)
      .filter((f) => f.endsWith('.json') && existsSync(join(chartDir, f.replace(/\.json$/, '.png'))))
      .map((f) => f.replace(/\.json$/, ''))
      .sort((a, b) => chartRank(a) - chartRank(b) || a.localeCompare(b));
    for (const id of ids) {
      const data = JSON.parse(readFileSync(join(chartDir, `${id}.json`), 'utf8')) as { title?: string; subtitle?: string };
      charts.push({ id, title: data.title ?? id, subtitle: data.subtitle ?? '', png: readFileSync(join(chartDir, `${id}.png`)) });
    }
  }
  return { meta, charts };
}
