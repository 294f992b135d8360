import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_CATALOG } from '../../../core/catalog';
import { buildReport, compareReports, renderReport, type Headline } from '../../../report';
import { SIM_POLICIES, SIM_POLICY_MODELS, simPolicy } from '../../../sim/baselines';
import { DEFAULT_SIM_OPTIONS, simulate } from '../../../sim/simulator';
import type { TraceTask } from '../../../sim/trace-reader';
import { H, MIXED, sample, T0 } from '../../report/fixtures';

/** Debian's chromium, never a downloaded browser. */
function chromiumPath(): string {
  if (fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

const HEADLINE_ATTRS: Record<string, keyof Headline> = {
  'data-baseline-nodes': 'baselineNodes',
  'data-nodes': 'nodes',
  'data-baseline-allocated-pct': 'baselineAllocatedPct',
  'data-allocated-pct': 'allocatedPct',
  'data-baseline-monthly': 'baselineMonthly',
  'data-monthly': 'monthly',
  'data-savings-pct': 'savingsPct',
};

/** The headline's numbers, without its text. */
function numbersOf(h: Headline): Record<string, number> {
  return Object.fromEntries(Object.values(HEADLINE_ATTRS).map((k) => [k, h[k] as number]));
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-report-'));
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the file; returns the page with the console errors and foreign requests it saw. */
  async function open(name: string, html: string) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  async function drawnPaths(page: Awaited<ReturnType<typeof open>>['page']): Promise<{ charts: number; empty: number; drawn: number }> {
    const charts = await page.locator('svg').count();
    const ds = await page.locator('svg path').evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? ''));
    return { charts, empty: ds.filter((d) => d.trim() === '').length, drawn: ds.filter((d) => /[ML]\s*\d/.test(d)).length };
  }

  async function headlineNumbers(page: Awaited<ReturnType<typeof open>>['page'], selector: string): Promise<Record<string, number>> {
    const el = page.locator(selector);
    const out: Record<string, number> = {};
    for (const [attr, key] of Object.entries(HEADLINE_ATTRS)) out[key] = Number(await el.getAttribute(attr));
    return out;
  }

  it('draws a live report with several types and a gap, and its headline equals the JSON', async () => {
    const samples = [...MIXED, sample(T0 + 20 * H), sample(T0 + 21 * H)];
    const report = buildReport(samples);
    const json = JSON.parse(renderReport(report, 'json'));
    const { page, errors, requests } = await open('live.html', renderReport(report, 'html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const paths = await drawnPaths(page);
    expect(paths.charts).toBeGreaterThanOrEqual(3);
    expect(paths.drawn).toBeGreaterThanOrEqual(paths.charts);
    const numbers = await headlineNumbers(page, '.headline');
    expect(numbers).toEqual(numbersOf(json.headline));
    expect(await page.locator('.headline').textContent()).toBe(json.headline.text);
    await page.close();
  });

  it('draws a replay of each policy side by side, each headline equal to its JSON', async () => {
    // Twenty tasks for an hour, four for a day: every policy scales up, then back down.
    const trace: TraceTask[] = Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, resources: { cpu: 1000 + (i % 3) * 500, memoryMiB: 2048 }, creationTime: i * 20, deletionTime: i % 5 === 0 ? 86_400 : 3_600, line: i + 2 }));
    const policies = await Promise.all(SIM_POLICIES.map(async (name) => ({
      name,
      description: SIM_POLICY_MODELS[name],
      report: buildReport((await simulate(trace, simPolicy(name, DEFAULT_CATALOG, 50), { ...DEFAULT_SIM_OPTIONS, catalog: DEFAULT_CATALOG })).utilisation, { maxGapMs: Infinity }),
    })));
    const comparison = compareReports('replay', policies);
    const json = JSON.parse(renderReport(comparison, 'json'));
    const { page, errors, requests } = await open('replay.html', renderReport(comparison, 'html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const paths = await drawnPaths(page);
    expect(paths.charts).toBeGreaterThanOrEqual(1 + 3 * SIM_POLICIES.length);
    expect(paths.empty).toBe(0);
    for (const p of json.policies) {
      expect(await headlineNumbers(page, `.headline[data-policy="${p.name}"]`)).toEqual(numbersOf(p.report.headline));
    }
    await page.close();
  });

  it('opens an empty report without errors', async () => {
    const { page, errors, requests } = await open('empty.html', renderReport(buildReport([], { from: T0, to: T0 + H }), 'html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('.headline').getAttribute('data-empty')).toBe('true');
    await page.close();
  });
});
