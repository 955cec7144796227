import type { CostFunction, PluginModule } from '../../src/plugin-api.js';

const count: PluginModule<CostFunction> = {
  create() {
    return { name: 'count', unit: 'migrations', cost: () => 1 };
  },
};
export default count;
