import type { PluginContext, PluginModule, SanityRule, Violation } from '../../src/plugin-api.js';
import type { StateView } from '../../src/model/state.js';
import { exceeds } from '../../src/model/state.js';
import { allHosts } from '../../src/model/hosts.js';
import type { Model } from '../../src/model/model.js';
import { limitFormulation } from './capacity.formulation.js';

/** load <= limit(host, r) for every host and resource; shared by capacity and headroom. */
export function limitRule(name: string, model: Model, limit: Float64Array, describe: string): SanityRule {
  return {
    name,
    formulation: limitFormulation(name, model, limit),
    check(state: StateView, hosts?: Iterable<number>): Violation[] {
      const { model } = state;
      const R = model.resources.length;
      const out: Violation[] = [];
      for (const h of hosts ?? allHosts(model)) {
        for (let r = 0; r < R; r++) {
          const load = state.load(h, r);
          const max = limit[h * R + r]!;
          if (exceeds(load, max)) {
            const host = model.hosts[h]!.name;
            const resource = model.resources[r]!;
            out.push({
              rule: name, host, resource, load, limit: max,
              message: `host ${host} ${resource}: load ${fmt(load)} exceeds ${describe} ${fmt(max)}`,
            });
          }
        }
      }
      return out;
    },
    admits(state: StateView, vm: number, host: number): boolean {
      const R = state.model.resources.length;
      const d = state.model.demand;
      for (let r = 0; r < R; r++) {
        if (exceeds(state.load(host, r) + d[vm * R + r]!, limit[host * R + r]!)) return false;
      }
      return true;
    },
  };
}

export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/0+$/, '');
}

const capacity: PluginModule<SanityRule> = {
  create(_options, context: PluginContext) {
    if (!context.usable) throw new Error('capacity needs the usable amounts');
    return limitRule('capacity', context.model, context.usable, 'usable');
  },
};
export default capacity;
