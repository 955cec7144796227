import type { PluginModule, SanityRule, Violation } from '../../src/sdk.js';
import { allHosts, globToRegExp } from '../../src/sdk.js';
import { pinFormulation } from './pin.formulation.js';

const pin: PluginModule<SanityRule> = {
  create(options, { model }) {
    const patterns = (options['vms'] as string[]).map(globToRegExp);
    const pinned = model.vms.map((vm) => patterns.some((p) => p.test(vm.name)));
    return {
      name: 'pin',
      formulation: pinFormulation(model, pinned),
      check(state, hosts) {
        const out: Violation[] = [];
        for (const h of hosts ?? allHosts(model)) {
          for (const v of state.vmsOn(h)) {
            if (!pinned[v] || state.hostOf(v) !== h) continue; // report each VM once, at its source
            const vm = model.vms[v]!.name;
            if (state.destinationOf(v) >= 0 || h !== model.placement[v]) {
              out.push({ rule: 'pin', vm, host: model.hosts[h]!.name, message: `pinned VM ${vm} is moving or away from its host ${model.hosts[model.placement[v]!]!.name}` });
            }
          }
        }
        return out;
      },
      admits(_state, vm, host) {
        return !pinned[vm] || host === model.placement[vm];
      },
      movable(vm) {
        return !pinned[vm];
      },
    };
  },
};
export default pin;
