import type { Engine, PluginModule } from '../../src/sdk.js';
import { solveExact, ExactUnsupportedError, type ExactOptions } from '../../src/sdk.js';
import { InputError } from '../../src/sdk.js';
import { exactOptions } from './exact-defaults.js';

const exact: PluginModule<Engine> = {
  create(options, context) {
    const o = exactOptions(options as Partial<ExactOptions>, context.services);
    return {
      name: 'exact',
      async solve(problem, run) {
        try {
          return await solveExact(problem, o, run);
        } catch (e) {
          if (e instanceof ExactUnsupportedError) throw new InputError('policy', [{ path: '/engine', message: e.message }]);
          throw e;
        }
      },
    };
  },
};
export default exact;
