import type { CostFunction, PluginModule } from '../../src/sdk.js';

const ram: PluginModule<CostFunction> = {
  create(options, { model }) {
    const resource = options['resource'] as string;
    const r = model.resources.indexOf(resource);
    const R = model.resources.length;
    return {
      name: 'ram',
      unit: resource === 'ram' ? 'MiB' : resource,
      cost: (vm) => (r < 0 ? 0 : model.demand[vm * R + r]!),
    };
  },
};
export default ram;
