import type { Engine, PluginModule } from '../../src/plugin-api.js';
import { solveExact, ExactUnsupportedError, type ExactOptions } from '../../src/exact/engine.js';
import { InputError } from '../../src/io/errors.js';
import { exactOptions } from './exact-defaults.js';

const exact: PluginModule<Engine> = {
  create(options) {
    const o = exactOptions(options as Partial<ExactOptions>);
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
