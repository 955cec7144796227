/**
 * Lower bounds on the makespan of a plan, reported with every plan beside its estimate:
 * - links: on every channel (a link in one direction), the data the migrations crossing it
 *   must send (each at least what it sends alone on its path: sharing only adds rounds)
 *   divided by its capacity; the busiest channel is the bound;
 * - hosts: under per-host limits, a host sends (receives) at most c migrations at a time,
 *   each at least its time alone: the sum over its departures (arrivals) divided by c; with
 *   a per-plan limit, the sum over all migrations divided by it;
 * - chain: the longest chain of the dependency graph, each migration at its time alone.
 * No schedule of the plan, by waves or by dependencies, can be shorter than any of them.
 */
import type { Model } from '../model/model.js';
import { channelCapacity, type ScheduleInput } from './makespan.js';
import { bottomLevels, soloRuns } from './network-schedule.js';

export interface MakespanBounds {
  /** Seconds: the largest of the bounds below. */
  value: number;
  links: number;
  /** The busiest link, and its direction ("up" away from the hosts below it). */
  link?: string;
  hosts?: number;
  host?: string;
  chain: number;
}

/** Per channel, the seconds it needs at least: what the plan's migrations must send over it / its capacity. */
export function channelSeconds(input: ScheduleInput): Float64Array {
  const { plan, paths, network } = input;
  const capacity = channelCapacity(network);
  const volume = new Float64Array(capacity.length);
  const { transferred } = soloRuns(input);
  for (let m = 0; m < plan.n; m++) {
    const sent = transferred[m]!;
    for (let i = paths.start[m]!; i < paths.start[m + 1]!; i++) volume[paths.channel[i]!]! += sent;
  }
  return volume.map((v, c) => v / capacity[c]!);
}

export function makespanBounds(model: Model, input: ScheduleInput, deps: readonly (readonly number[])[], solo: Float64Array): MakespanBounds {
  const { network } = input;
  let links = 0;
  let busiest = -1;
  channelSeconds(input).forEach((x, c) => { if (x > links) { links = x; busiest = c; } });

  const hostBound = hostSerialBound(model, input, solo);
  let chain = 0;
  for (const x of bottomLevels(solo, deps)) chain = Math.max(chain, x);
  const value = Math.max(links, hostBound.seconds ?? 0, chain);
  return {
    value, links,
    ...(busiest >= 0 ? { link: `${network.linkNames[busiest >> 1]} ${busiest & 1 ? 'down' : 'up'}` } : {}),
    ...(hostBound.seconds !== undefined ? { hosts: hostBound.seconds, ...(hostBound.host ? { host: hostBound.host } : {}) } : {}),
    chain,
  };
}

/** The busiest host's serial sum under the per-host (and per-plan) limits, when there are any. */
function hostSerialBound(model: Model, input: ScheduleInput, solo: Float64Array): { seconds?: number; host?: string } {
  const { plan } = input;
  const H = model.hosts.length;
  const out = new Float64Array(H);
  const inn = new Float64Array(H);
  let total = 0;
  for (let m = 0; m < plan.n; m++) { out[plan.from[m]!]! += solo[m]!; inn[plan.to[m]!]! += solo[m]!; total += solo[m]!; }
  let seconds: number | undefined;
  let host: string | undefined;
  const consider = (x: number, name?: string) => {
    if (seconds === undefined || x > seconds) { seconds = x; host = name; }
  };
  for (const h of model.hosts) {
    if (Number.isFinite(h.maxOutgoing) && h.maxOutgoing > 0) consider(out[h.index]! / h.maxOutgoing, h.name);
    if (Number.isFinite(h.maxIncoming) && h.maxIncoming > 0) consider(inn[h.index]! / h.maxIncoming, h.name);
  }
  if (Number.isFinite(model.maxPerWave) && model.maxPerWave > 0) consider(total / model.maxPerWave);
  return { seconds, host };
}
