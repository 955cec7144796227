/** Index-based migrations as engines produce them, and their conversion to plan JSON. */
import type { Model } from '../model/model.js';
import type { Wave } from '../model/plan.js';
import type { CostFunction } from '../plugin-api.js';

export interface Move {
  vm: number;
  from: number;
  to: number;
}

export function toWaveDocs(model: Model, waves: Move[][]): Wave[] {
  return waves.map((w) => ({
    migrations: w.map((m) => ({ vm: model.vms[m.vm]!.name, from: model.hosts[m.from]!.name, to: model.hosts[m.to]!.name })),
  }));
}

/** Sum of the cost function over every migration of index-based waves. */
export function movesCost(cost: CostFunction, waves: Move[][]): number {
  return waves.flat().reduce((sum, m) => sum + cost.cost(m.vm, m.from, m.to), 0);
}
