/**
 * Regenerates docs/report-screenshot.png: replays the OpenB trace with Stowage and both
 * baselines (as `stowage sim --report html`), renders the HTML report and photographs
 * it in Debian's headless Chromium (playwright-core; no browser download).
 *
 *   npx tsx scripts/report-screenshot.ts [trace.csv] [out.png]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { DEFAULT_CATALOG } from '../core/catalog';
import { buildReport, compareReports, renderReport } from '../report';
import { SIM_POLICIES, SIM_POLICY_MODELS, simPolicy } from '../sim/baselines';
import { DEFAULT_SIM_OPTIONS, simulate } from '../sim/simulator';
import { readTrace } from '../sim/trace-reader';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const traceFile = process.argv[2] ?? path.join(root, 'data/openb/openb_pod_list_default.csv');
  const out = process.argv[3] ?? path.join(root, 'docs/report-screenshot.png');
  const trace = readTrace(traceFile);
  const policies = await Promise.all(SIM_POLICIES.map(async (name) => ({
    name,
    description: SIM_POLICY_MODELS[name],
    report: buildReport((await simulate(trace, simPolicy(name, DEFAULT_CATALOG, 2000), { ...DEFAULT_SIM_OPTIONS, catalog: DEFAULT_CATALOG })).utilisation, { maxGapMs: Infinity, clock: 'trace' }),
  })));
  const html = renderReport(compareReports(`Replay of ${path.relative(root, traceFile)}: ${trace.length} tasks, ${SIM_POLICIES.join(' vs ')}`, policies), 'html');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-shot-'));
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, html);
  const executablePath = fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // The comparison and the first policy's section: the rest repeats the same charts per baseline.
    const height = await page.evaluate("document.documentElement.scrollHeight");
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1150, height: Math.min(Number(height), 2300) } });
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${out}\n`);
}

void main();
