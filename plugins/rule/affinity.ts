import type { Model, PluginModule, SanityRule, StateView, Violation } from '../../src/sdk.js';
import { affinityFormulation } from './affinity.formulation.js';

/** Members per constrained group (groups of one constrain nothing and are left out). */
function groupsOf(model: Model, selected: Set<string> | undefined): Map<string, number[]> {
  const all = new Map<string, number[]>();
  for (const vm of model.vms) {
    if (vm.group === undefined || (selected && !selected.has(vm.group))) continue;
    const list = all.get(vm.group);
    if (list) list.push(vm.index); else all.set(vm.group, [vm.index]);
  }
  for (const [g, members] of all) if (members.length < 2) all.delete(g);
  return all;
}

/** Hosts a VM is present on: its host, and its destination while it migrates. */
function presence(state: StateView, vm: number): number[] {
  const dest = state.destinationOf(vm);
  return dest >= 0 ? [state.hostOf(vm), dest] : [state.hostOf(vm)];
}

/**
 * Monotone: a state is valid when every member is on exactly one host, the same for all.
 * Adding a VM to a host either puts a member on a second host or changes nothing for the
 * group, so it never repairs a violation.
 */
const affinity: PluginModule<SanityRule> = {
  create(options, { model }) {
    const only = options['groups'] as string[] | undefined;
    const groups = groupsOf(model, only ? new Set(only) : undefined);
    const groupOf = new Map<number, number[]>();
    for (const members of groups.values()) for (const v of members) groupOf.set(v, members);
    return {
      name: 'affinity',
      formulation: affinityFormulation(model, groups),
      check(state, hosts) {
        const wanted = hosts ? new Set(hosts) : undefined;
        const out: Violation[] = [];
        const name = (h: number) => model.hosts[h]!.name;
        for (const [g, members] of groups) {
          const spread = new Set(members.flatMap((v) => presence(state, v)));
          if (spread.size <= 1) continue;
          for (const v of members) {
            const at = presence(state, v);
            if (wanted && !at.some((h) => wanted.has(h))) continue;
            out.push({
              rule: 'affinity', vm: model.vms[v]!.name, host: name(at[at.length - 1]!),
              message: `affinity group ${g} is spread over ${[...spread].map(name).join(', ')}: VM ${model.vms[v]!.name} is on ${at.map(name).join(' and ')}`,
            });
          }
        }
        return out;
      },
      admits(state, vm, host) {
        const members = groupOf.get(vm);
        if (!members) return true;
        // Being added to a second host breaks the group; a draft's unplaced members (-1) count nowhere.
        const own = state.hostOf(vm);
        if ((own !== -1 && own !== host) || state.destinationOf(vm) >= 0) return false;
        return members.every((v) => v === vm || ((state.hostOf(v) === host || state.hostOf(v) === -1) && state.destinationOf(v) < 0));
      },
    };
  },
};
export default affinity;
