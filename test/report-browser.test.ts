/**
 * The report in a real browser: Debian's chromium, headless, driven by playwright-core.
 * Skipped, with the reason and the install command, when no chromium is on PATH.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, INSTALL_CHROMIUM, launchChromium, type Browser } from '../bench/chromium.js';
import { readJson } from '../src/io/read.js';
import { planMigrations } from '../src/api.js';
import type { Plan } from '../src/model/plan.js';
import { planReport } from '../src/report/plan-report.js';
import { evaluateReport } from '../src/report/evaluate-report.js';
import { evaluateStrategies } from '../src/placement/evaluate.js';
import { visible } from '../src/report/escape.js';
import { cloud } from './helpers.js';

const executable = chromiumPath();
const reason = executable ? '' : ` (skipped: no chromium on PATH; install it with: ${INSTALL_CHROMIUM})`;
if (!executable) console.warn(`report-browser tests skipped: no chromium on PATH; install it with: ${INSTALL_CHROMIUM}`);

const CLOUD20 = join(__dirname, '..', 'examples', 'cloud-20.json');
const dir = mkdtempSync(join(tmpdir(), 'shunt-report-browser-'));

async function planPage(doc: unknown, name: string): Promise<{ file: string; plan: Plan }> {
  const { plan, loaded } = await planMigrations(doc, { source: name });
  const result = planReport(loaded, plan, name);
  if (!result.ok) throw new Error('the planner\'s plan was refused');
  const file = join(dir, `${name}.html`);
  writeFileSync(file, result.html);
  return { file, plan };
}

/** Opens a report offline; collects console errors, page errors, dialogs and any request that is not the file. */
async function open(browser: Browser, file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`); });
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 30_000 });
  return { page, problems };
}

/** Distinct colours in a PNG and the share of pixels that are not white. */
function colours(png: Buffer): { distinct: number; inked: number } {
  const { data, width, height } = PNG.sync.read(png);
  const seen = new Set<number>();
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) inked++;
  }
  return { distinct: seen.size, inked: inked / (width * height) };
}

/** A bar of the migration whose centre shows that migration (not one drawn over it), with its index. */
async function uncoveredBar(page: Page): Promise<{ i: number; x: number; y: number }> {
  const found = await page.evaluate(() => {
    for (const path of document.querySelectorAll<SVGPathElement>('path.m')) {
      // The first bar of the path: M x y h w v h ...
      const [x, y, w, h] = /M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)/.exec(path.getAttribute('d')!)!.slice(1).map(Number) as [number, number, number, number];
      const centre = new DOMPoint(x + w / 2, y + h / 2).matrixTransform(path.getScreenCTM()!);
      const hit = document.elementFromPoint(centre.x, centre.y)?.closest('.m');
      if (hit === path && w >= 4) return { i: Number(path.getAttribute('data-i')), x: centre.x, y: centre.y };
    }
    return null;
  });
  if (!found) throw new Error('no uncovered migration bar');
  return found;
}

describe.skipIf(!executable)(`the report in Chromium${reason}`, () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(executable!); }, 60_000);
  afterAll(async () => { await browser?.close(); });

  it('loads the bundled 20-host example offline, without a console error, one element per migration', async () => {
    const { file, plan } = await planPage(readJson(CLOUD20), 'cloud-20');
    const { page, problems } = await open(browser, file);
    const flat = plan.waves.flatMap((w) => w.migrations);
    const elements = await page.$$eval('.m[data-vm][data-from][data-to]', (gs) => gs.map((g) => [g.getAttribute('data-vm'), g.getAttribute('data-from'), g.getAttribute('data-to')]));
    expect(elements).toEqual(flat.map((m) => [m.vm, m.from, m.to]));
    expect(await page.$$eval('#heatmap canvas', (cs) => cs.length)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders a screenshot that is not blank', async () => {
    const { file } = await planPage(readJson(CLOUD20), 'cloud-20-shot');
    const { page } = await open(browser, file);
    const shot = colours(await page.screenshot({ fullPage: true }));
    expect(shot.distinct).toBeGreaterThan(50);
    expect(shot.inked).toBeGreaterThan(0.1);
    await page.close();
  });

  it('shows the VM, hosts and times of the migration under the pointer', async () => {
    const { file, plan } = await planPage(readJson(CLOUD20), 'cloud-20-hover');
    const { page, problems } = await open(browser, file);
    const bar = await uncoveredBar(page);
    await page.mouse.move(bar.x, bar.y);
    await page.waitForSelector('#tip:not([hidden])');
    const m = plan.waves.flatMap((w) => w.migrations)[bar.i]!;
    const field = (name: string) => page.textContent(`#tip [data-field="${name}"]`);
    expect(await field('VM')).toBe(`VM ${m.vm}`);
    expect(await field('from')).toBe(`from ${m.from}`);
    expect(await field('to')).toBe(`to ${m.to}`);
    expect(await field('start')).toBe(`start ${m.estimatedStart!.toLocaleString('en', { maximumFractionDigits: 3 })} s`);
    expect(await field('downtime')).toMatch(/^downtime [\d.]+ s$/);
    await page.mouse.move(1, 1);
    expect(await page.isHidden('#tip')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows hostile names as text: no script runs, the attributes and the tooltip carry the name', async () => {
    const vm = '<img src=x onerror=alert(1)>"&\'\u0007';
    const host = '</script><script>alert(2)</script>';
    const doc = cloud({ hosts: { [host]: { ram: 8 }, h2: { ram: 8 } }, vms: { [vm]: { ram: 4 } }, at: { [vm]: host }, to: { [vm]: 'h2' } });
    const { file } = await planPage(doc, 'hostile');
    const { page, problems } = await open(browser, file);
    expect(await page.$$eval('.m', (gs) => gs.map((g) => [g.getAttribute('data-vm'), g.getAttribute('data-from')]))).toEqual([[visible(vm), host]]);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    const bar = await uncoveredBar(page);
    await page.mouse.move(bar.x, bar.y);
    expect(await page.textContent('#tip [data-field="VM"]')).toBe(`VM ${visible(vm)}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the strategies of evaluate side by side as four charts', async () => {
    const rows = await evaluateStrategies(readJson(CLOUD20), ['consolidate', 'rebalance'], { source: 'cloud-20.json' });
    const file = join(dir, 'evaluate.html');
    writeFileSync(file, evaluateReport(rows, 'cloud-20.json'));
    const { page, problems } = await open(browser, file);
    for (const id of ['chart-hosts', 'chart-spread', 'chart-cost', 'chart-duration']) {
      expect(await page.$$eval(`#${id} canvas`, (cs) => cs.length), id).toBeGreaterThan(0);
    }
    expect(colours(await page.screenshot()).distinct).toBeGreaterThan(50);
    expect(problems).toEqual([]);
    await page.close();
  });
});
