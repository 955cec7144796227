import type { PluginModule, SanityRule, Violation } from '../../src/sdk.js';
import { allHosts } from '../../src/sdk.js';
import { zoneFormulation } from './zone.formulation.js';

const zone: PluginModule<SanityRule> = {
  create(_options, { model }) {
    const zoneOf = (h: number) => model.hosts[h]!.zone ?? '';
    const home = Array.from(model.placement, (h) => zoneOf(h));
    const allowed = (vm: number, host: number) => zoneOf(host) === home[vm];
    return {
      name: 'zone',
      formulation: zoneFormulation(allowed),
      check(state, hosts) {
        const out: Violation[] = [];
        for (const h of hosts ?? allHosts(model)) {
          for (const v of state.vmsOn(h)) {
            if (zoneOf(h) === home[v]) continue;
            const vm = model.vms[v]!.name;
            const host = model.hosts[h]!.name;
            out.push({ rule: 'zone', vm, host, message: `VM ${vm} of zone ${home[v] || '(none)'} is on host ${host} of zone ${zoneOf(h) || '(none)'}` });
          }
        }
        return out;
      },
      admits: (_state, vm, host) => allowed(vm, host),
    };
  },
};
export default zone;
