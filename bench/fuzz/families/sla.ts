/**
 * Service levels on tiny clouds (the tiny family's hosts, VMs, placement and target):
 * migration groups with a concurrency limit (`group-concurrency`, per-group overrides),
 * move budgets (`max-moves`, all VMs or some by name) and downtime SLAs (`downtime`, with
 * dirty rates and host links that make some live moves too long), each drawn at random
 * and combined with what the tiny draw already has (anti-affinity, the count cost).
 * A third of them are padded (the padded family's 40-60 VMs that never move, some of them
 * group members) so that independent parts and groups spanning hosts are exercised.
 * Small enough for the oracle, which knows move budgets and the rules' state checks.
 */
import type { PluginRef } from '../../../src/model/instance.js';
import type { Random } from '../random.js';
import { drawTinyDoc } from './tiny.js';
import { padded } from './padded.js';
import type { Draft } from './draft.js';

const GROUPS = ['db', 'web', 'cache'];

export async function sla(rng: Random): Promise<Draft> {
  const pad = rng.chance(1 / 3);
  const { doc, label } = pad ? await padded(rng).then((d) => ({ doc: d.doc, label: [d.shape] })) : drawTinyDoc(rng);
  const rules: PluginRef[] = [...(doc.policy?.rules ?? [])];
  const antiAffinity = rules.includes('anti-affinity');
  // Anti-affinity's groups are kept (the draw made placement and target respect them).
  if (!antiAffinity) for (const vm of doc.vms) if (rng.chance(0.7)) vm.group = rng.pick(GROUPS);
  const named = [...new Set(doc.vms.map((vm) => vm.group).filter((g): g is string => g !== undefined))];
  let any = false;
  if (named.length && rng.chance(0.7)) {
    const maxInFlight = rng.int(1, 2);
    const groups: Record<string, number> = rng.chance(0.3) ? { [rng.pick(named)]: rng.int(1, 3) } : {};
    rules.push({ name: 'group-concurrency', options: { maxInFlight, groups } });
    label.push(`groups<=${maxInFlight}${Object.keys(groups).length ? '+override' : ''}`);
    any = true;
  }
  if (rng.chance(0.6)) {
    const max = rng.int(1, 2);
    const vms = rng.pick([['*'], ['vm-1', 'vm-2'], ['vm-?']]);
    rules.push({ name: 'max-moves', options: { max, vms } });
    label.push(`max-moves=${max}${vms[0] === '*' ? '' : ' some'}`);
    any = true;
  }
  if (!any || rng.chance(0.5)) {
    for (const vm of doc.vms) {
      if (!rng.chance(0.35)) continue;
      vm.sla = { maxDowntimeMs: rng.pick([100, 500, 2000]) };
      vm.attributes = { dirtyRate: rng.pick([10, 50, 300, 1100]) };
    }
    for (const host of doc.hosts) if (rng.chance(0.4)) host.attributes = { bandwidth: rng.pick([1000, 2500]) };
    rules.push('downtime');
    label.push('downtime');
  }
  doc.policy = { ...doc.policy, rules };
  return { shape: label.join(' '), doc, timeLimit: pad ? 3 : 2, known: {} };
}
