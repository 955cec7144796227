/**
 * How long disruptive actions keep a VM down (plan v2), and the wave-by-wave schedule of plans
 * with shelving (the dependency schedule knows only host-to-host moves).
 *
 * - cold move: `setup` plus the VM's memory copied once at its route's bandwidth (the duration
 *   model's links; no dirty pages, the guest is stopped). Its disk is not counted: shunt knows
 *   no disk sizes in MiB for sure (shared storage is the common case).
 * - shelve and unshelve each take the same estimate over the host's own link (snapshot upload,
 *   image download: a documented guess, Nova's image store decides), and a shelved VM is down
 *   from the start of its shelve to the end of its unshelve in the wave schedule.
 */
import type { Model } from '../model/model.js';
import { actionOf, isTransfer, type DisruptionStats, type Migration, type Plan } from '../model/plan.js';
import { DEFAULT_DURATION_OPTIONS, linkBandwidth, migrationSeconds, routeBandwidth, vmProfile, type DurationOptions } from './duration.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Seconds of a cold move: setup and one copy of the memory at the route's bandwidth. */
export function coldSeconds(model: Model, vm: number, from: number, to: number, o: DurationOptions = DEFAULT_DURATION_OPTIONS): number {
  return o.setup + vmProfile(model, vm, o).memory / routeBandwidth(model, from, to, o.linkMbps);
}

/** Seconds of a shelve or an unshelve on the host (the estimate above). */
export function shelvingSeconds(model: Model, vm: number, host: number, o: DurationOptions = DEFAULT_DURATION_OPTIONS): number {
  return o.setup + vmProfile(model, vm, o).memory / linkBandwidth(model, host, o.linkMbps);
}

/** Estimated seconds of one step of any action, alone on its links. */
export function stepSeconds(model: Model, m: Migration, o: DurationOptions = DEFAULT_DURATION_OPTIONS): number {
  const vm = model.vmIndex.get(m.vm)!;
  if (!isTransfer(m)) return shelvingSeconds(model, vm, model.hostIndex.get((m.from ?? m.to)!)!, o);
  const from = model.hostIndex.get(m.from)!;
  const to = model.hostIndex.get(m.to)!;
  return m.action === 'cold' ? coldSeconds(model, vm, from, to, o) : migrationSeconds(model, vm, from, to, o);
}

/**
 * The wave-by-wave schedule of a verified plan with shelving: each step waits for every step
 * of the wave before (`after`), starts with its wave, and a wave lasts as long as its longest step.
 */
export function attachWaveSchedule(model: Model, plan: Plan, o: DurationOptions = DEFAULT_DURATION_OPTIONS): void {
  let start = 0;
  let index = 0;
  let previous: number[] = [];
  for (const w of plan.waves) {
    let end = start;
    const current: number[] = [];
    for (const m of w.migrations) {
      const seconds = stepSeconds(model, m, o);
      Object.assign(m, { after: previous, estimatedStart: round3(start), estimatedSeconds: round3(seconds) });
      end = Math.max(end, start + seconds);
      current.push(index++);
    }
    previous = current;
    start = end;
  }
  plan.stats.makespan = { waves: round3(start), dependencies: round3(start), schedule: 'waves' };
}

/**
 * Puts `estimatedDowntime` on every disruptive step and `stats.disruption` on the plan (nothing
 * on a plan of live moves). A shelve carries its VM's time until its unshelve ends.
 */
export function attachDowntime(model: Model, plan: Plan, o: DurationOptions = DEFAULT_DURATION_OPTIONS): void {
  const stats: DisruptionStats = { vms: 0, cold: 0, shelve: 0, unshelve: 0, downtime: { cold: 0, shelve: 0, total: 0 } };
  const disrupted = new Set<string>();
  const shelvedAt = new Map<string, Migration>();
  for (const m of plan.waves.flatMap((w) => w.migrations)) {
    const action = actionOf(m);
    if (action === 'live') continue;
    disrupted.add(m.vm);
    stats[action]++;
    const start = m.estimatedStart ?? 0;
    const end = start + (m.estimatedSeconds ?? stepSeconds(model, m, o));
    if (action === 'cold') {
      // The cold copy, whatever the schedule assumed (attach.ts estimates every host-to-host move as live: an upper bound).
      const down = stepSeconds(model, m, o);
      m.estimatedDowntime = round3(down);
      stats.downtime.cold += down;
    } else if (action === 'shelve') {
      shelvedAt.set(m.vm, m);
    } else {
      const shelve = shelvedAt.get(m.vm)!;
      const down = end - (shelve.estimatedStart ?? 0);
      shelve.estimatedDowntime = round3(down);
      m.estimatedDowntime = 0;
      stats.downtime.shelve += down;
      shelvedAt.delete(m.vm);
    }
  }
  if (!disrupted.size) return;
  stats.vms = disrupted.size;
  stats.downtime = { cold: round3(stats.downtime.cold), shelve: round3(stats.downtime.shelve), total: round3(stats.downtime.cold + stats.downtime.shelve) };
  const fewest = plan.stats.disruption?.fewestProven;
  plan.stats.disruption = fewest === undefined ? stats : { ...stats, fewestProven: fewest };
}

/** The disruption of a plan under the wave schedule, without touching the plan (to compare candidates). */
export function estimatedDisruption(model: Model, plan: Plan, o: DurationOptions = DEFAULT_DURATION_OPTIONS): DisruptionStats | undefined {
  const copy = structuredClone(plan);
  attachWaveSchedule(model, copy, o);
  attachDowntime(model, copy, o);
  return copy.stats.disruption;
}
