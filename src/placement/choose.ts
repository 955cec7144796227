/** Runs the policy's placement strategy and returns the instance with its new target, checked against every rule. */
import type { InstanceDoc } from '../model/instance.js';
import type { EngineRunOptions } from '../plugin-api.js';
import { PlacementState } from '../model/state.js';
import type { Loaded } from '../api.js';

export class StrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyError';
  }
}

export async function chooseTarget(loaded: Loaded, run: EngineRunOptions = {}): Promise<{ doc: InstanceDoc; target: Int32Array }> {
  const { strategy, problem, model } = loaded;
  if (!strategy) throw new StrategyError('no placement strategy: name one with --strategy or the policy\'s "strategy"');
  const target = await strategy.choose(problem, run);
  if (target.length !== model.vms.length || target.some((h) => h < 0 || h >= model.hosts.length)) {
    throw new StrategyError(`strategy ${strategy.name} returned a malformed target`);
  }
  const state = new PlacementState(model, problem.usable, target);
  const broken = problem.rules.flatMap((r) => r.check(state));
  if (broken.length) throw new StrategyError(`strategy ${strategy.name} chose a target that breaks rule ${broken[0]!.rule}: ${broken[0]!.message}`);
  const names: Record<string, string> = {};
  model.vms.forEach((vm, v) => { names[vm.name] = model.hosts[target[v]!]!.name; });
  return { doc: { ...loaded.doc, target: names }, target };
}
