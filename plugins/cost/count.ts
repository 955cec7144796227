import type { CostFunction, PluginModule } from '../../src/sdk.js';

const count: PluginModule<CostFunction> = {
  create() {
    return { name: 'count', unit: 'migrations', cost: () => 1 };
  },
};
export default count;
