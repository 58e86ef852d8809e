import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { cclab } from '../analysis/cli.js';
import { makeCompetingRun, makeSettingSweep, makeSweep, sweepCcs } from './fixtures.js';
import { ccLabel } from '../../src/report/specs.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Loaded {
  problems: string[];
  requests: string[];
  canvases: number;
  charts: { id: string; datasets: number; points: number; width: number; height: number }[];
}

describeWith('browser', 'report.html in headless Chromium', () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'cclab-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, offline: true });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function open(file: string): Promise<{ loaded: Loaded; page: Awaited<ReturnType<BrowserContext['newPage']>> }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const loaded = await page.evaluate(() => {
      const charts = ((window as unknown as { cclabCharts?: any[] }).cclabCharts ?? []).map((c) => ({
        id: c.canvas.id as string,
        datasets: c.data.datasets.length as number,
        points: c.data.datasets.reduce((a: number, d: { data: unknown[] }) => a + d.data.length, 0) as number,
        width: c.width as number,
        height: c.height as number,
      }));
      return { canvases: document.querySelectorAll('canvas').length, charts };
    });
    return { loaded: { ...loaded, problems, requests }, page };
  }

  it('loads a sweep report offline with no console errors, and every chart has data', async () => {
    const dir = makeSweep('report');
    expect(cclab(['chart', dir]).status).toBe(0);
    const r = cclab(['report', dir]);
    expect(r.status).toBe(0);
    const file = join(dir, 'report.html');
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/); // self-contained

    const { loaded, page } = await open(file);
    expect(loaded.problems).toEqual([]);
    expect(loaded.requests).toEqual([pathToFileURL(file).href]); // nothing fetched but the file itself
    expect(loaded.charts.length).toBeGreaterThanOrEqual(10);
    expect(loaded.charts.length).toBe(loaded.canvases);
    for (const c of loaded.charts) {
      expect(c.datasets, c.id).toBeGreaterThan(0);
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.width, c.id).toBeGreaterThan(300);
    }

    // the sweep table, the scenario and the run metadata are there
    const text = await page.locator('body').innerText();
    for (const cc of sweepCcs()) expect(text).toContain(ccLabel(cc));
    expect(text).toContain('Sweep table');
    expect(text).toMatch(/link\.loss: \[0, 1%, 5%\]|link\.loss:\s*\n\s*- 0/);
    expect(text).toMatch(/wall time\s+[\d.]+ s with 2 worker threads/);

    // legend toggles hide a series together with its CI band; tooltips are on
    const toggled = await page.evaluate(() => {
      const chart = (window as unknown as { cclabCharts: any[] }).cclabCharts.find((c) => c.canvas.id.startsWith('chart-goodput-vs-loss'));
      const item = chart.legend.legendItems[0];
      chart.options.plugins.legend.onClick(null, item, chart.legend);
      const group = chart.data.datasets[item.datasetIndex].cclabGroup;
      const members = chart.data.datasets.map((d: any, i: number) => [d.cclabGroup, chart.isDatasetVisible(i)]).filter((m: any[]) => m[0] === group);
      return { members: members.length, visible: members.filter((m: any[]) => m[1]).length, tooltips: chart.options.plugins.tooltip.enabled };
    });
    expect(toggled.members).toBeGreaterThanOrEqual(2); // the line and its seeds' points
    expect(toggled.visible).toBe(0);
    expect(toggled.tooltips).toBe(true);

    // 2 seeds: no CI anywhere, the seeds' own points drawn (not in the legend), and the page says why
    expect(text).toContain('no confidence interval from fewer than 3 seeds');
    const seeds = await page.evaluate(() => {
      const chart = (window as unknown as { cclabCharts: any[] }).cclabCharts.find((c) => c.canvas.id === 'chart-goodput-vs-loss--rtt-40ms');
      const parts = chart.data.datasets.map((d: any, i: number) => ({ part: Boolean(d.cclabPart), band: Boolean(d.cclabBand), drawn: chart.getDatasetMeta(i).data.length }));
      return { parts: parts.filter((p: any) => p.part).map((p: any) => p.drawn), bands: parts.filter((p: any) => p.band).length, legend: chart.legend.legendItems.length, subtitle: chart.options.plugins.subtitle.text };
    });
    expect(seeds.subtitle).toMatch(/no CI: fewer than 3 seeds/);
    expect(seeds.bands).toBe(0);
    expect(seeds.parts).toEqual(sweepCcs().map(() => 6)); // 3 loss rates × 2 seeds per CC
    expect(seeds.legend).toBe(sweepCcs().length);
    // Pantheon's throughput vs delay: every marker's loss rate written beside it
    const tvd = await page.evaluate(() => {
      const chart = (window as unknown as { cclabCharts: any[] }).cclabCharts.find((c) => c.canvas.id === 'chart-throughput-vs-delay--rtt-20ms');
      return { plugins: chart.config.plugins.map((p: any) => p.id), reverse: chart.options.scales.x.reverse, labels: chart.data.datasets.filter((d: any) => !d.cclabPart).flatMap((d: any) => d.data.map((p: any) => p.label).filter(Boolean)) };
    });
    expect(tvd.plugins).toContain('cclabPointLabels');
    expect(tvd.reverse).toBe(true);
    expect(tvd.labels.join(' ')).toMatch(/5%/);
    await page.close();
  });

  it('loads a report of a sweep of settings: bar charts with error bars and CI tooltips', async () => {
    const dir = makeSettingSweep('report-bars');
    expect(cclab(['report', dir]).status).toBe(0);
    const { loaded, page } = await open(join(dir, 'report.html'));
    expect(loaded.problems).toEqual([]);
    const ids = loaded.charts.map((c) => c.id);
    for (const id of ['flows-goodput-by-setting', 'retrans-by-setting', 'rtt-by-setting', 'harm-by-setting', 'harm-rtt-by-setting']) expect(ids).toContain(`chart-${id}`);
    const bar = await page.evaluate(() => {
      // Brutal 20mbit over fq_codel, Cubic's bar
      const chart = (window as unknown as { cclabCharts: any[] }).cclabCharts.find((c) => c.canvas.id === 'chart-flows-goodput-by-setting');
      const cb = chart.options.plugins.tooltip.callbacks;
      const item = { dataset: chart.data.datasets[1], dataIndex: 3 };
      return {
        type: chart.config.type,
        bars: chart.data.datasets.map((d: any) => chart.getDatasetMeta(chart.data.datasets.indexOf(d)).data.length),
        labels: chart.data.labels,
        label: cb.label(item),
        title: cb.title([item]),
        plugins: chart.config.plugins.map((p: any) => p.id),
      };
    });
    expect(bar.type).toBe('bar');
    expect(bar.bars).toEqual([4, 4]);
    expect(bar.labels).toHaveLength(4);
    expect(bar.label).toMatch(/^flow 1: Cubic: [\d.]+ ± [\d.]+ \(95% CI [\d.]+ to [\d.]+\)$/);
    expect(bar.title).toBe('Brutal 20mbit (2×\u00a0link), fq_codel');
    expect(bar.plugins).toContain('cclabErrorBars');
    // 3 seeds: a 1-σ ellipse per flow and setting around the throughput-vs-delay markers, drawn
    const ellipses = await page.evaluate(() => {
      const chart = (window as unknown as { cclabCharts: any[] }).cclabCharts.find((c) => c.canvas.id.startsWith('chart-throughput-vs-delay'));
      return chart.data.datasets.map((d: any, i: number) => ({ outline: Boolean(d.cclabOutline), drawn: chart.getDatasetMeta(i).data.length, visible: chart.isDatasetVisible(i) })).filter((d: any) => d.outline);
    });
    expect(ellipses.length).toBe(8); // 2 flows × 4 settings
    for (const e of ellipses) expect(e.drawn).toBeGreaterThan(40);
    await page.close();
  });

  it('loads a single-run report with competing flows', async () => {
    const dir = makeCompetingRun('report-run');
    expect(cclab(['report', dir]).status).toBe(0);
    const { loaded, page } = await open(join(dir, 'report.html'));
    expect(loaded.problems).toEqual([]);
    expect(loaded.charts.map((c) => c.id)).toEqual(expect.arrayContaining(['chart-flows-throughput', 'chart-flows-goodput', 'chart-flows-fairness', 'chart-timeseries-cwnd']));
    const titles = await page.evaluate(() => (window as unknown as { cclabCharts: any[] }).cclabCharts.map((c) => c.options.plugins.title.text));
    expect(titles).toContain('Per-flow throughput over time (tcp_rate delivery rate, 1 s mean)');
    expect(titles).toContain("Fairness over time (Jain's index of throughput, 1 s windows)");
    for (const c of loaded.charts) expect(c.points, c.id).toBeGreaterThan(0);
    await page.close();
  });
});
