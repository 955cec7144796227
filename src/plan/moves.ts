/** Index-based migrations as engines produce them, and their conversion to plan JSON. */
import type { Model } from '../model/model.js';
import type { Wave } from '../model/plan.js';

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
