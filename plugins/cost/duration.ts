import type { CostFunction, PluginModule } from '../../src/plugin-api.js';

export interface DurationOptions {
  bandwidth: number;
  dirtyRate: number;
  maxDowntime: number;
  maxRounds: number;
  setup: number;
}

/** Seconds to live-migrate `memory` MiB with iterative pre-copy. */
export function preCopySeconds(memory: number, dirtyRate: number, o: DurationOptions): number {
  let total = o.setup;
  let toCopy = memory;
  for (let round = 0; round < o.maxRounds; round++) {
    const t = toCopy / o.bandwidth;
    if (t <= o.maxDowntime) return total + t; // small enough: pause and copy the rest
    total += t;
    // Pages dirtied meanwhile; if the guest outruns the link this never shrinks and
    // the rounds run out (a higher dirty rate must never look faster).
    toCopy = Math.min(memory, dirtyRate * t);
  }
  return total + toCopy / o.bandwidth; // forced stop-and-copy
}

const duration: PluginModule<CostFunction> = {
  create(options, { model }) {
    const o = options as unknown as DurationOptions & { resource: string };
    const r = model.resources.indexOf(o.resource);
    const R = model.resources.length;
    const seconds = model.vms.map((vm) => {
      const memory = r < 0 ? 0 : model.demand[vm.index * R + r]!;
      const rate = typeof vm.attributes['dirtyRate'] === 'number' ? (vm.attributes['dirtyRate'] as number) : o.dirtyRate;
      return preCopySeconds(memory, rate, o);
    });
    return { name: 'duration', unit: 's', cost: (vm) => seconds[vm]! };
  },
};
export default duration;
