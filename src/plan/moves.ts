/** Index-based migrations as engines produce them, and their conversion to plan JSON. */
import type { Model } from '../model/model.js';
import { isTransfer, type Wave } from '../model/plan.js';
import type { CostFunction } from '../plugin-api.js';
import { rememberIndices } from '../verify/wave-indices.js';

export interface Move {
  vm: number;
  from: number;
  to: number;
}

export function toWaveDocs(model: Model, waves: Move[][]): Wave[] {
  // Host names read once: a plan names each host many times.
  const hostNames = model.hosts.map((h) => h.name);
  // The moves' indices are left with each wave: the replay verifier checks them against the names instead of looking the names up.
  return waves.map((w) => rememberIndices({
    migrations: w.map((m) => ({ vm: model.vms[m.vm]!.name, from: hostNames[m.from]!, to: hostNames[m.to]! })),
  }, w));
}

/** Index-based moves of a plan of host-to-host moves (what engines produce); a shelve or unshelve is a bug here. */
export function fromWaveDocs(model: Model, waves: readonly Wave[]): Move[][] {
  return waves.map((w) => w.migrations.map((m) => {
    if (!isTransfer(m)) throw new Error(`${m.vm}: ${m.action} is not a host-to-host move`);
    return { vm: model.vmIndex.get(m.vm)!, from: model.hostIndex.get(m.from)!, to: model.hostIndex.get(m.to)! };
  }));
}

/** Sum of the cost function over every migration of index-based waves. */
export function movesCost(cost: CostFunction, waves: Move[][]): number {
  let sum = 0;
  for (const w of waves) for (const m of w) sum += cost.cost(m.vm, m.from, m.to);
  return sum;
}
