/**
 * Overloaded starts on near-capacity clouds: each seeded reachable cloud of the fuzz campaign
 * (bench/fuzz/families/reachable.ts) is planned as generated and again with up to 10 of its
 * hosts given a RAM capacity halfway between their target load and their start load (a lowered
 * allocation, so they start overloaded and end within it). One row per cloud and variant:
 * status, cost, moves, waves, min and median seconds of the repeats.
 *
 *   node dist/bench/overload.js [--seeds 1,2,3,4,5,6,7] [--repeats 3] [--time-limit 60]
 */
import 'reflect-metadata';
import { planMigrations } from '../src/api.js';
import type { InstanceDoc } from '../src/model/instance.js';
import { generateInstance } from './fuzz/generate.js';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const seeds = arg('--seeds', '1,2,3,4,5,6,7').split(',').map(Number);
const repeats = Number(arg('--repeats', '3'));
const timeLimit = Number(arg('--time-limit', '60'));

/** Up to `count` hosts that hold more RAM at the start than in the target get a capacity in between. */
function lowered(doc: InstanceDoc, count: number): { doc: InstanceDoc; hosts: number } {
  const full = { ...doc.placement, ...(doc.target ?? {}) };
  const ram = (where: Record<string, string>, host: string) => doc.vms.filter((v) => where[v.name] === host).reduce((s, v) => s + (v.demand?.['ram'] ?? 0), 0);
  const out = structuredClone(doc);
  let hosts = 0;
  for (const h of out.hosts) {
    if (hosts >= count) break;
    const start = ram(doc.placement, h.name);
    const end = ram(full, h.name);
    if (end >= start - 1 || h.capacity?.['ram'] === undefined) continue;
    const ratio = h.allocationRatio?.['ram'] ?? 1;
    h.capacity['ram'] = Math.ceil(end / ratio) + (h.reserved?.['ram'] ?? 0) + Math.floor((start - end) / ratio / 2);
    hosts++;
  }
  return { doc: out, hosts };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log('| seed | hosts | VMs | variant | status | cost | moves | waves | s min / median |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const seed of seeds) {
  const { doc } = await generateInstance('reachable', seed, 0);
  const hot = lowered(doc, 10);
  for (const [variant, d] of [['as generated', doc], [`${hot.hosts} hosts overloaded`, hot.doc]] as const) {
    const times: number[] = [];
    let row = '';
    for (let r = 0; r < repeats; r++) {
      const started = Date.now();
      const { plan } = await planMigrations(d, { timeLimit });
      times.push((Date.now() - started) / 1000);
      row = `${plan.status} | ${plan.cost} | ${plan.stats.moves} | ${plan.stats.waves}`;
    }
    console.log(`| ${seed} | ${doc.hosts.length} | ${doc.vms.length} | ${variant} | ${row} | ${Math.min(...times).toFixed(2)} / ${median(times).toFixed(2)} |`);
  }
}
