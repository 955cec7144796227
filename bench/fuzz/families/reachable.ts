/**
 * Reachable near-capacity clouds: 20-500 hosts filled to 85-95 % of their RAM
 * (bench/generate.ts's flavours), whose target is where a random walk of valid single
 * moves (moves.ts, every rule asked) ends. The walk is a plan, so every instance is
 * feasible by construction.
 */
import { loadInstance } from '../../../src/api.js';
import { PlacementState } from '../../../src/model/state.js';
import { generateCloud } from '../../generate.js';
import { moveIsValid } from '../moves.js';
import type { Random } from '../random.js';
import { drawLimits } from './limits.js';
import type { Draft } from './draft.js';

export interface ReachableOptions {
  /** Largest cloud (hosts, drawn log-uniformly from 20). Default 500. */
  maxHosts?: number;
}

export const reachable = (options: ReachableOptions = {}) => async (rng: Random): Promise<Draft> => {
  const hosts = rng.logInt(20, Math.max(20, options.maxHosts ?? 500));
  const fill = 0.85 + 0.1 * rng.float();
  const doc = generateCloud({ hosts, seed: rng.int(1, 2 ** 31), fill, fillJitter: 0.02, retarget: 0 });
  const { limits, label } = drawLimits(rng);
  if (limits) doc.limits = limits;
  const { problem, model } = await loadInstance(doc, { source: 'reachable' });
  const state = new PlacementState(model, problem.usable);
  const V = model.vms.length;
  const steps = rng.int(Math.ceil(V * 0.05), Math.ceil(V * 0.3));
  let walked = 0;
  for (let tries = 0; walked < steps && tries < steps * 20; tries++) {
    const vm = rng.int(0, V - 1);
    const to = rng.int(0, model.hosts.length - 1);
    if (!moveIsValid(problem, state, vm, to)) continue;
    state.relocate(vm, to);
    walked++;
  }
  doc.target = {};
  for (let v = 0; v < V; v++) {
    const at = state.hostOf(v);
    if (at !== model.placement[v]) doc.target[model.vms[v]!.name] = model.hosts[at]!.name;
  }
  const shape = `${hosts}h/${V}v fill ${(fill * 100).toFixed(0)}% walk ${walked} ${label}`;
  return { shape, doc, timeLimit: 10, known: { feasible: true } };
};
