/**
 * How long a plan report takes to write and to open in headless Chromium.
 *
 *   node dist/bench/report-load.js [--hosts 2000] [--retarget 0.404] [--seed 1] [--repeats 5]
 *   node dist/bench/report-load.js --instance examples/cloud-20.json [--screenshot docs/report.png]
 *
 * Generates a cloud (bench/generate.ts; 2,000 hosts and retarget 0.404 give about 13,000
 * migrations) or reads an instance, plans it, writes the report (timed), then opens it
 * `--repeats` times in one browser, each in a fresh page, and prints min and median of: the
 * time from navigation until the page says it is ready (body[data-ready], set after the
 * charts are drawn), DOMContentLoaded, and the client script's own work (timeline hover
 * setup and ECharts charts). For scale, it also opens a page that holds only the inlined
 * ECharts bundle. With --screenshot it hovers a migration and saves a full-page PNG.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { planMigrations } from '../src/api.js';
import { planReport } from '../src/report/plan-report.js';
import { reportAssets } from '../src/report/assets.js';
import { generateCloud } from './generate.js';
import { chromiumPath, INSTALL_CHROMIUM, launchChromium } from './chromium.js';

interface Args { hosts: number; retarget: number; seed: number; repeats: number; instance?: string; screenshot?: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { hosts: 2000, retarget: 0.404, seed: 1, repeats: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--instance') a.instance = v;
    else if (k === '--screenshot') a.screenshot = v;
    else if (k === '--hosts' || k === '--retarget' || k === '--seed' || k === '--repeats') a[k.slice(2) as 'hosts'] = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return `${Math.round(s[0]!)} / ${Math.round(s[Math.floor((s.length - 1) / 2)]!)}`;
};

async function timeLoad(page: Page, file: string): Promise<{ ready: number; dcl: number; client: number }> {
  const t0 = performance.now();
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 120_000 });
  const ready = performance.now() - t0;
  const inPage = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const mark = (n: string) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    return { dcl: nav.domContentLoadedEventEnd, client: mark('report:charts') - mark('report:start') };
  });
  return { ready, ...inPage };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const executable = chromiumPath();
  if (!executable) throw new Error(`no chromium on PATH; install it with: ${INSTALL_CHROMIUM}`);
  const doc = args.instance ? JSON.parse(readFileSync(args.instance, 'utf8')) : generateCloud({ hosts: args.hosts, seed: args.seed, retarget: args.retarget });
  const name = args.instance ? basename(args.instance) : `cloud-${args.hosts}-seed${args.seed}.json`;
  const { plan, loaded } = await planMigrations(doc, { source: name });
  const t0 = performance.now();
  const result = planReport(loaded, plan, name);
  const writeMs = performance.now() - t0;
  if (!result.ok) throw new Error('the plan was refused by the verifier');
  const dir = mkdtempSync(join(tmpdir(), 'shunt-report-load-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, result.html);
  const only = join(dir, 'echarts-only.html');
  writeFileSync(only, `<!doctype html><meta charset="utf-8"><body><script>${reportAssets().echarts}</script><script>document.body.dataset.ready='true'</script>`);

  const browser = await launchChromium(executable);
  try {
    const runs = [];
    const control = [];
    for (let k = 0; k < args.repeats; k++) {
      const page = await browser.context.newPage();
      runs.push(await timeLoad(page, file));
      await page.close();
      const p2 = await browser.context.newPage();
      control.push((await timeLoad(p2, only)).ready);
      await p2.close();
    }
    const moves = plan.waves.reduce((s, w) => s + w.migrations.length, 0);
    console.log('| instance | hosts | migrations | HTML MB | report written (ms) | ready (ms, min / median) | DOMContentLoaded (ms) | client script (ms) | ECharts alone (ms) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(`| ${name} | ${loaded.model.hosts.length} | ${moves} | ${(result.html.length / 1e6).toFixed(2)} | ${Math.round(writeMs)} | ${stats(runs.map((r) => r.ready))} | ${stats(runs.map((r) => r.dcl))} | ${stats(runs.map((r) => r.client))} | ${stats(control)} |`);
    if (args.screenshot) await screenshot(browser.context.newPage(), file, args.screenshot);
  } finally {
    await browser.close();
  }
}

/** A full-page PNG with the details of one migration shown, as an operator would hover it. */
async function screenshot(opening: Promise<Page>, file: string, out: string): Promise<void> {
  const page = await opening;
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready]', { state: 'attached' });
  const centre = await page.evaluate(() => {
    const path = document.querySelector<SVGPathElement>('.m[data-action="parking"]') ?? document.querySelector<SVGPathElement>('.m');
    // The arriving bar: the path's last "M x y h w v h ... z".
    const bars = [...(path?.getAttribute('d') ?? '').matchAll(/M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)/g)];
    if (!path || !bars.length) return null;
    const [x, y, w, h] = bars[bars.length - 1]!.slice(1).map(Number) as [number, number, number, number];
    const p = new DOMPoint(x + w / 2, y + h / 2).matrixTransform(path.getScreenCTM()!);
    return { x: p.x, y: p.y };
  });
  if (centre) await page.mouse.move(centre.x, centre.y);
  await page.screenshot({ path: out, fullPage: true });
  await page.close();
  console.error(`screenshot: ${out}`);
}

await main();
