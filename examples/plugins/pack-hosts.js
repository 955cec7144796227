// Example user strategy for shunt, written against the SDK only (types in shunt/sdk):
// empty the hosts matching some globs where possible, by consolidating their VMs only
// (the VMs of other hosts stay where they are).
// It does what a built-in can, through the services in its context:
// - services.createPlugin runs the built-in `scoped` strategy wrapping the built-in
//   `consolidate` (scoped accepts any registered strategy, this one included);
// - services.solveLinear solves a small linear program in a worker thread: the least
//   number of hosts whose usable RAM holds every VM (a lower bound reported in the notes).

import { globToRegExp, InputError } from 'shunt/sdk';

export default {
  /** @type {import('shunt/sdk').PluginModule<import('shunt/sdk').PlacementStrategy>['create']} */
  create(options, { model, services }) {
    if (!options.hosts?.length) throw new InputError('pack-hosts', [{ path: '/options/hosts', message: 'name the hosts to pack (globs)' }]);
    const patterns = options.hosts.map(globToRegExp);
    if (!model.hosts.some((h) => patterns.some((p) => p.test(h.name)))) {
      throw new InputError('pack-hosts', [{ path: '/options/hosts', message: `no host matches ${JSON.stringify(options.hosts)}` }]);
    }
    const inner = services.createPlugin('strategy', { name: 'scoped', options: { strategy: 'consolidate', hosts: options.hosts } }, '/options');
    let notes = [];
    return {
      name: 'pack-hosts',
      get notes() { return notes; },
      async choose(problem, run) {
        const R = model.resources.length;
        const ram = model.resources.indexOf('ram');
        let demand = 0;
        for (let v = 0; v < model.vms.length; v++) demand += model.demand[v * R + ram];
        const lp = {
          name: 'pack-hosts-bound',
          variables: model.hosts.map((h) => ({ name: `use_${h.index}`, lb: 0, ub: 1, integer: false, cost: 1 })),
          rows: [{ name: 'room', terms: model.hosts.map((h) => [h.index, problem.usable[h.index * R + ram]]), lb: demand, ub: Infinity }],
        };
        const bound = await services.solveLinear(options.solver, { model: lp, timeLimit: 10 });
        const target = await inner.choose(problem, run);
        const used = new Set(target).size;
        notes = [
          bound.status === 'optimal' ? `at least ${Math.ceil(bound.objective - 1e-9)} of ${model.hosts.length} hosts are needed for all VMs (LP bound, ${bound.solver}); ${used} used` : `no LP bound (${bound.status})`,
          ...(inner.notes ?? []),
        ];
        return target;
      },
    };
  },
};
