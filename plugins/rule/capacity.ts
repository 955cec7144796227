import type { PluginContext, PluginModule, SanityRule, Violation } from '../../src/sdk.js';
import type { StateView } from '../../src/sdk.js';
import { exceeds } from '../../src/sdk.js';
import { allHosts } from '../../src/sdk.js';
import type { Model } from '../../src/sdk.js';
import { limitFormulation } from './capacity.formulation.js';
import { InputError } from '../../src/sdk.js';

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

/**
 * Option exclude: resources this rule leaves to another rule that limits them its own
 * way (the sharing rule counts RAM after page sharing). An excluded resource is
 * unlimited as far as capacity is concerned, so only exclude what another active
 * rule bounds.
 */
const capacity: PluginModule<SanityRule> = {
  create(options, context: PluginContext) {
    if (!context.usable) throw new Error('capacity needs the usable amounts');
    const { model } = context;
    const exclude = (options['exclude'] as string[] | undefined) ?? [];
    if (exclude.length === 0) return limitRule('capacity', model, context.usable, 'usable');
    const unknown = exclude.map((name, i) => ({ name, i })).filter(({ name }) => !model.resources.includes(name));
    if (unknown.length) {
      throw new InputError('capacity', unknown.map(({ name, i }) => ({
        path: `/options/exclude/${i}`, message: `no resource "${name}" in the instance (resources: ${model.resources.join(', ')})`,
      })));
    }
    const R = model.resources.length;
    const limit = Float64Array.from(context.usable);
    for (const name of exclude) {
      const r = model.resources.indexOf(name);
      for (let h = 0; h < model.hosts.length; h++) limit[h * R + r] = Infinity;
    }
    return limitRule('capacity', model, limit, 'usable');
  },
};
export default capacity;
