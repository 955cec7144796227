/**
 * Cost of a migration = its estimated time in seconds, from the pre-copy model of
 * src/schedule/duration.ts (rounds of copying while hot and cold pages are re-dirtied,
 * until the rest fits the allowed downtime). The same model gives plan schedules their
 * durations; this plugin prices one migration alone on its link (no sharing).
 */
import type { CostFunction, PluginModule } from '../../src/sdk.js';
import {
  preCopy, vmProfile, MEGABITS_PER_MIB,
  type MigrationProfile, type PreCopyOptions,
} from '../../src/sdk.js';

export interface DurationCostOptions extends PreCopyOptions {
  /** MiB/s available to one migration (used for every migration unless `links`). */
  bandwidth: number;
  /** MiB/s dirtied by a guest without attributes.coldDirtyRate / dirtyRate. */
  dirtyRate: number;
  resource: string;
  /** Use the slower of the two hosts' links (attributes.bandwidth, Mb/s) instead; hosts without one get `bandwidth`. */
  links?: boolean;
}

/** Seconds to live-migrate `memory` MiB with iterative pre-copy, dirtying `dirtyRate` MiB/s (no hot pages). */
export function preCopySeconds(memory: number, dirtyRate: number, o: DurationCostOptions): number {
  return preCopy({ memory, hotDirtySize: 0, hotDirtyDuration: 1, coldDirtyRate: dirtyRate }, o.bandwidth, o).seconds;
}

const duration: PluginModule<CostFunction> = {
  create(options, { model }) {
    const o = options as unknown as DurationCostOptions;
    const profiles: MigrationProfile[] = model.vms.map((vm) => vmProfile(model, vm.index, o));
    if (!o.links) {
      const seconds = profiles.map((p) => preCopy(p, o.bandwidth, o).seconds);
      return { name: 'duration', unit: 's', cost: (vm) => seconds[vm]! };
    }
    const link = model.hosts.map((h) => {
      const b = h.attributes['bandwidth'];
      return typeof b === 'number' && Number.isFinite(b) && b > 0 ? b / MEGABITS_PER_MIB : o.bandwidth;
    });
    const fastest = Math.max(...link);
    // Few distinct link speeds: memoise per VM and bandwidth.
    const memo = model.vms.map(() => new Map<number, number>());
    const at = (vm: number, bandwidth: number) => {
      const mine = memo[vm]!;
      let s = mine.get(bandwidth);
      if (s === undefined) { s = preCopy(profiles[vm]!, bandwidth, o).seconds; mine.set(bandwidth, s); }
      return s;
    };
    return {
      name: 'duration', unit: 's', dependsOnRoute: true,
      cost: (vm, from, to) => at(vm, Math.min(link[from]!, link[to]!)),
      minCost: (vm) => at(vm, fastest),
    };
  },
};
export default duration;
