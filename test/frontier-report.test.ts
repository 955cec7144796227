/**
 * `shunt evaluate --budgets --report FILE`: the frontier as a page, its data and table from
 * the same rows as --json, and (in Chromium, when installed) its two charts drawn.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { chromiumPath, INSTALL_CHROMIUM, launchChromium } from '../bench/chromium.js';
import type { FrontierRow } from '../src/placement/frontier.js';
import type { FrontierReportData } from '../src/report/frontier-report.js';
import { cli } from './helpers.js';

const CLOUD20 = join(__dirname, '..', 'examples', 'cloud-20.json');
const dir = mkdtempSync(join(tmpdir(), 'shunt-frontier-report-'));
const executable = chromiumPath();

/** The JSON the page embeds for its script. */
function embedded(html: string): FrontierReportData {
  const m = /<script[^>]*id="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!.replace(/\\u003c/g, '<')) as FrontierReportData;
}

describe('evaluate --budgets --report', () => {
  it('writes a page whose data are the rows of --json', async () => {
    const file = join(dir, 'frontier.html');
    const args = ['evaluate', CLOUD20, '--strategies', 'consolidate,rebalance', '--budgets', '0,2,6,12'];
    const r = await cli([...args, '--report', file]);
    expect(r.code).toBe(0);
    const rows = JSON.parse((await cli([...args, '--json'])).stdout) as FrontierRow[];
    const data = embedded(readFileSync(file, 'utf8'));
    expect(data.kind).toBe('frontier');
    expect(data.unit).toBe('moves');
    expect(data.rows.map((x) => [x.strategy, x.budget, x.spent, x.hostsUsed, x.pareto])).toEqual(rows.map((x) => [x.strategy, x.budget, x.spent, x.hostsUsed, x.pareto]));
  });

  it.skipIf(!executable)(`draws both charts in Chromium${executable ? '' : ` (skipped: install it with: ${INSTALL_CHROMIUM})`}`, async () => {
    const file = join(dir, 'frontier-browser.html');
    expect((await cli(['evaluate', CLOUD20, '--strategies', 'consolidate,rebalance', '--budgets', '0,2,6,12', '--report', file])).code).toBe(0);
    const browser = await launchChromium(executable!);
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('request', (q) => { if (!q.url().startsWith('file:')) problems.push(`request: ${q.url()}`); });
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 30_000 });
      for (const id of ['chart-frontier-hosts', 'chart-frontier-peak']) {
        expect(await page.$$eval(`#${id} canvas`, (cs) => cs.length), id).toBeGreaterThan(0);
      }
      const png = await page.locator('#chart-frontier-hosts').screenshot();
      writeFileSync(join(dir, 'hosts.png'), png);
      const { data } = PNG.sync.read(png);
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      expect(colours.size).toBeGreaterThan(20);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
