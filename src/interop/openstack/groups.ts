/**
 * Server groups: a VM's `group` is its server group's UUID. Hard anti-affinity and affinity
 * become the `anti-affinity` and `affinity` rules for those groups; soft policies are weigher
 * preferences in Nova and are not translated (listed on stderr).
 */
import type { PluginRef } from '../../model/instance.js';
import { InputError } from '../../io/errors.js';
import type { VmSet } from './vms.js';
import type { ServerGroup } from './responses.js';

type Warn = (message: string) => void;

export function applyServerGroups(groups: readonly ServerGroup[], vms: VmSet, warn: Warn): PluginRef[] {
  const byName = new Map(vms.vms.map((v) => [v.name, v]));
  const hard: Record<'anti-affinity' | 'affinity', string[]> = { 'anti-affinity': [], affinity: [] };
  const soft: string[] = [];
  const strays = new Set<string>();
  for (const g of groups) {
    for (const [i, member] of g.members.entries()) {
      const vm = byName.get(member);
      if (!vm) { strays.add(member); continue; }
      if (vm.group !== undefined) throw new InputError(g.file, [{ path: `${g.path}/members/${i}`, message: `server ${member} is in server groups ${vm.group} and ${g.id}; Nova allows one` }]);
      vm.group = g.id;
      (vm.attributes ??= {})['serverGroup'] = g.name ?? g.id;
    }
    if (g.policy === 'anti-affinity' || g.policy === 'affinity') hard[g.policy].push(g.id);
    else if (g.policy === 'soft-anti-affinity' || g.policy === 'soft-affinity') soft.push(`${g.name ?? g.id} (${g.policy})`);
    else throw new InputError(g.file, [{ path: `${g.path}/policy`, message: `unknown server group policy ${JSON.stringify(g.policy)}` }]);
    if (g.policy === 'anti-affinity' && g.maxPerHost !== undefined && g.maxPerHost > 1) warn(`server group ${g.name ?? g.id}: max_server_per_host ${g.maxPerHost} not translated; shunt allows one member per host (stricter)`);
  }
  if (soft.length) warn(`${soft.length} soft server group(s) not translated (Nova only prefers them when scheduling; shunt neither enforces nor prices them): ${soft.join(', ')}`);
  if (strays.size) warn(`${strays.size} server group member(s) are not in the instance (deleted, without a host, or not in the servers listing): ${[...strays].slice(0, 10).join(', ')}`);
  const rules: PluginRef[] = [];
  if (hard['anti-affinity'].length) rules.push({ name: 'anti-affinity', options: { groups: hard['anti-affinity'] } });
  if (hard.affinity.length) rules.push({ name: 'affinity', options: { groups: hard.affinity } });
  return rules;
}
