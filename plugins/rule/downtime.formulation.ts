/** Linear form of the downtime SLA: the live moves it does not allow are forbidden in every wave. */
import type { Model, RuleFormulation } from '../../src/sdk.js';

export function downtimeFormulation(model: Model, live: (vm: number, from: number, to: number) => boolean): RuleFormulation {
  return {
    addRows(ip) {
      const hostsOf = new Map<number, number[]>();
      for (let h = 0; h < model.hosts.length; h++) {
        for (const v of ip.candidatesOn(h)) {
          if (model.vms[v]!.sla.maxDowntimeMs === undefined) continue;
          const list = hostsOf.get(v);
          if (list) list.push(h); else hostsOf.set(v, [h]);
        }
      }
      for (const [v, hosts] of hostsOf) {
        for (const from of hosts) {
          for (const to of hosts) {
            if (from !== to && !live(v, from, to)) ip.forbidMigration(`downtime[${model.vms[v]!.name},${model.hosts[from]!.name},${model.hosts[to]!.name}]`, v, from, to);
          }
        }
      }
    },
  };
}
