import type { PluginModule, SanityRule } from '../../src/sdk.js';
import { globToRegExp } from '../../src/sdk.js';
import { maxMovesFormulation } from './max-moves.formulation.js';

/**
 * A budget of migrations per selected VM. A placement cannot show how often a VM has moved,
 * so the state check finds nothing: planners ask maxMoves(), the verifier counts each VM's
 * migrations in the plan (src/verify/service-levels.ts).
 */
const maxMoves: PluginModule<SanityRule> = {
  create(options, { model }) {
    const max = options['max'] as number;
    const patterns = (options['vms'] as string[]).map(globToRegExp);
    const budget = model.vms.map((vm) => (patterns.some((p) => p.test(vm.name)) ? max : Infinity));
    return {
      name: 'max-moves',
      formulation: maxMovesFormulation(budget),
      check() { return []; },
      admits() { return true; },
      maxMoves(vm) { return budget[vm]!; },
    };
  },
};
export default maxMoves;
