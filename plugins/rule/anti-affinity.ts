import type { PluginModule, SanityRule, Violation } from '../../src/sdk.js';
import { allHosts } from '../../src/sdk.js';
import { antiAffinityFormulation } from './anti-affinity.formulation.js';

const antiAffinity: PluginModule<SanityRule> = {
  create(options, { model }) {
    const only = options['groups'] as string[] | undefined;
    const selected = only ? new Set(only) : undefined;
    // Group id per VM, -1 when the VM is in no constrained group.
    const groupOf = new Int32Array(model.vms.length).fill(-1);
    const names: string[] = [];
    const ids = new Map<string, number>();
    for (const vm of model.vms) {
      if (vm.group === undefined || (selected && !selected.has(vm.group))) continue;
      let id = ids.get(vm.group);
      if (id === undefined) { id = names.length; names.push(vm.group); ids.set(vm.group, id); }
      groupOf[vm.index] = id;
    }
    return {
      name: 'anti-affinity',
      formulation: antiAffinityFormulation(model, groupOf),
      check(state, hosts) {
        const out: Violation[] = [];
        for (const h of hosts ?? allHosts(model)) {
          const seen = new Map<number, number>();
          for (const v of state.vmsOn(h)) {
            const g = groupOf[v]!;
            if (g < 0) continue;
            const other = seen.get(g);
            if (other === undefined) { seen.set(g, v); continue; }
            const host = model.hosts[h]!.name;
            out.push({
              rule: 'anti-affinity', host, vm: model.vms[v]!.name,
              message: `host ${host} holds ${model.vms[other]!.name} and ${model.vms[v]!.name} of group ${names[g]}`,
            });
          }
        }
        return out;
      },
      admits(state, vm, host) {
        const g = groupOf[vm]!;
        if (g < 0) return true;
        for (const v of state.vmsOn(host)) if (v !== vm && groupOf[v] === g) return false;
        return true;
      },
    };
  },
};
export default antiAffinity;
