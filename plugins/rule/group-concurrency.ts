import type { MigrationGroup, PluginModule, SanityRule, StateView, Violation } from '../../src/sdk.js';
import { groupConcurrencyFormulation } from './group-concurrency.formulation.js';

/** The groups that can bind: more members than their limit. */
function groupsOf(vms: readonly { index: number; group: string | undefined }[], maxInFlight: number, overrides: Record<string, number>): MigrationGroup[] {
  const members = new Map<string, number[]>();
  for (const vm of vms) {
    if (vm.group === undefined) continue;
    const list = members.get(vm.group);
    if (list) list.push(vm.index); else members.set(vm.group, [vm.index]);
  }
  const out: MigrationGroup[] = [];
  for (const [name, list] of members) {
    const limit = overrides[name] ?? maxInFlight;
    if (list.length > limit) out.push({ name, vms: list, limit });
  }
  return out;
}

const groupConcurrency: PluginModule<SanityRule> = {
  create(options, { model }) {
    const groups = groupsOf(model.vms, options['maxInFlight'] as number, (options['groups'] ?? {}) as Record<string, number>);
    const groupOf = new Int32Array(model.vms.length).fill(-1);
    groups.forEach((g, i) => { for (const v of g.vms) groupOf[v] = i; });
    const inFlight = (state: StateView, g: MigrationGroup) => g.vms.filter((v) => state.destinationOf(v) >= 0);
    const violations = (state: StateView, i: number, hosts?: Set<number>): Violation[] => {
      const g = groups[i]!;
      const flying = inFlight(state, g);
      if (flying.length <= g.limit) return [];
      const names = flying.map((v) => model.vms[v]!.name).join(', ');
      const message = (v: number) => `${model.vms[v]!.name} migrates while group ${g.name} has ${flying.length} VMs migrating at once (${names}), limit ${g.limit}`;
      // One per member in flight, located at its destination: a new member in flight is a new violation.
      return flying
        .filter((v) => !hosts || hosts.has(state.hostOf(v)) || hosts.has(state.destinationOf(v)))
        .map((v) => ({ rule: 'group-concurrency', vm: model.vms[v]!.name, host: model.hosts[state.destinationOf(v)]!.name, message: message(v) }));
    };
    return {
      name: 'group-concurrency',
      migrationGroups: groups,
      formulation: groupConcurrencyFormulation(groups),
      check(state, hosts) {
        if (!hosts) return groups.flatMap((_, i) => violations(state, i));
        const set = new Set(hosts);
        const touched = new Set<number>();
        for (const h of set) for (const v of state.vmsOn(h)) if (groupOf[v]! >= 0 && state.destinationOf(v) >= 0) touched.add(groupOf[v]!);
        return [...touched].sort((a, b) => a - b).flatMap((i) => violations(state, i, set));
      },
      admits(state, vm, host) {
        const i = groupOf[vm]!;
        if (i < 0 || host === state.hostOf(vm) || state.destinationOf(vm) >= 0) return true;
        const g = groups[i]!;
        let n = 0;
        for (const v of g.vms) if (state.destinationOf(v) >= 0 && ++n >= g.limit) return false;
        return true;
      },
    };
  },
};
export default groupConcurrency;
