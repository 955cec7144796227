/**
 * The OpenStack round trip on a generated cloud: API responses -> import -> plan -> runbook.
 *
 *   node dist/bench/openstack.js [--hosts 50] [--seed 1] [--repeats 5] [--page-size 200]
 *
 * Generates a near-capacity cloud (bench/generate.ts, 128 GiB hosts, a tenth of the VMs
 * retargeted), writes it as Nova/Placement responses (bench/openstack-cloud.ts, not timed),
 * then times, in process: import (reading the directory and mapping), loading the instance
 * (schema, references, plugins: what `import openstack` does before printing),
 * planning (planMigrations: heuristic, verification, schedule) and the runbook export; it
 * checks the runbook with `bash -n`. Prints min and median of the repeats.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInstance, planMigrations } from '../src/api.js';
import { importOpenStack } from '../src/interop/openstack/import.js';
import { exportRunbook } from '../src/interop/openstack/runbook.js';
import { exportWatcher } from '../src/interop/openstack/watcher.js';
import { generateCloud } from './generate.js';
import { writeOpenStackDir } from './openstack-cloud.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const hosts = arg('--hosts', 50);
const seed = arg('--seed', 1);
const repeats = arg('--repeats', 5);
const pageSize = arg('--page-size', 200);

const doc = generateCloud({ hosts, seed, capacity: { ram: 131072, cpu: 48, disk: 2000 }, retarget: 0.1 });
const dir = mkdtempSync(join(tmpdir(), 'shunt-os-bench-'));
writeOpenStackDir(doc, dir, { pageSize });

const ms = (t: bigint) => Number(t) / 1e6;
const stats = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `${s[0]!.toFixed(1)} / ${s[Math.floor(s.length / 2)]!.toFixed(1)}`; };
const times = { import: [] as number[], load: [] as number[], plan: [] as number[], runbook: [] as number[] };
let summary = '';
for (let r = 0; r < repeats; r++) {
  let t = process.hrtime.bigint();
  const { instance, warnings } = importOpenStack(dir);
  times.import.push(ms(process.hrtime.bigint() - t));
  t = process.hrtime.bigint();
  await loadInstance(instance, { source: dir });
  times.load.push(ms(process.hrtime.bigint() - t));
  t = process.hrtime.bigint();
  const { plan } = await planMigrations(instance, { source: dir });
  times.plan.push(ms(process.hrtime.bigint() - t));
  t = process.hrtime.bigint();
  const script = exportRunbook(plan, { planSource: 'plan.json', instanceSource: 'instance.json' });
  times.runbook.push(ms(process.hrtime.bigint() - t));
  if (r === 0) {
    const file = join(dir, 'runbook.sh');
    writeFileSync(file, script);
    execFileSync('bash', ['-n', file]);
    const watcher = exportWatcher(plan, { planSource: 'plan.json', instanceSource: 'instance.json' });
    summary = [
      `cloud: ${instance.hosts.length} hosts, ${instance.vms.length} servers (${Object.keys(instance.target ?? {}).length} retargeted), ${warnings.length} warning(s)`,
      `plan: ${plan.status}, ${plan.stats.moves} migrations in ${plan.stats.waves} waves, ${plan.stats.detours ?? 0} detours, cost ${plan.cost} (lower bound ${plan.lowerBound})`,
      `runbook: ${script.length} bytes, ${script.split('\n').length} lines (bash -n ok); watcher call: ${watcher.length} bytes`,
    ].join('\n');
  }
}
console.log(summary);
console.log(`ms min / median of ${repeats}: import ${stats(times.import)}, load (validation) ${stats(times.load)}, plan ${stats(times.plan)}, runbook ${stats(times.runbook)}`);
rmSync(dir, { recursive: true, force: true });
