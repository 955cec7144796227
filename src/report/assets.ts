/**
 * The scripts a report inlines, read when a report is written: ECharts' own minified bundle
 * from node_modules (never a copy of it in this repository) and the compiled client script.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

let cache: { echarts: string; client: string } | undefined;

export function reportAssets(): { echarts: string; client: string } {
  if (cache) return cache;
  const echartsFile = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
  const clientFile = join(packageRoot(), 'dist', 'src', 'report', 'client', 'report-client.js');
  if (!existsSync(clientFile)) throw new Error(`the report's client script ${clientFile} is missing: run npm run build`);
  const client = readFileSync(clientFile, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  return (cache = { echarts: readFileSync(echartsFile, 'utf8'), client });
}
