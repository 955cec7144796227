/**
 * The disruptive fallback on k impossible swaps: two full hosts per zone trading their one VM
 * each (rule zone keeps VMs in their zone, so no swap can borrow another's room), every VM
 * shelvable. Each needs exactly one shelve. Prints, per k, seconds (min and median of the
 * repeats, in process), VMs shelved, whether that is proven least, waves.
 *
 *   npm run build && node dist/bench/disruptive.js [k,k,...] [repeats]
 */
import 'reflect-metadata';
import type { InstanceDoc } from '../src/model/instance.js';
import { planMigrations } from '../src/api.js';

export function zonedSwaps(k: number): InstanceDoc {
  const doc: InstanceDoc = { hosts: [], vms: [], placement: {}, target: {}, policy: { rules: ['zone'] } };
  for (let i = 0; i < k; i++) {
    const [h1, h2] = [`h${2 * i}`, `h${2 * i + 1}`];
    doc.hosts.push({ name: h1, zone: `z${i}`, capacity: { ram: 8192 } }, { name: h2, zone: `z${i}`, capacity: { ram: 8192 } });
    doc.vms.push({ name: `a${i}`, demand: { ram: 8192 }, sla: { shelve: true } }, { name: `b${i}`, demand: { ram: 8192 }, sla: { shelve: true } });
    Object.assign(doc.placement, { [`a${i}`]: h1, [`b${i}`]: h2 });
    Object.assign(doc.target!, { [`a${i}`]: h2, [`b${i}`]: h1 });
  }
  return doc;
}

async function main(): Promise<void> {
  const ks = (process.argv[2] ?? '1,2,3,4,6,8').split(',').map(Number);
  const repeats = Number(process.argv[3] ?? 3);
  console.log('| swaps | seconds min | seconds median | VMs shelved | proven least | waves |');
  console.log('|---|---|---|---|---|---|');
  for (const k of ks) {
    const times: number[] = [];
    let row = '';
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      const { plan } = await planMigrations(zonedSwaps(k), { allow: ['shelve'], timeLimit: 60, source: `swaps-${k}` });
      times.push((performance.now() - started) / 1000);
      const d = plan.stats.disruption;
      row = `${d?.vms ?? '-'} | ${d?.fewestProven === true ? 'yes' : 'no'} | ${plan.waves.length}`;
    }
    times.sort((a, b) => a - b);
    console.log(`| ${k} | ${times[0]!.toFixed(2)} | ${times[Math.floor(times.length / 2)]!.toFixed(2)} | ${row} |`);
  }
}

void main();
