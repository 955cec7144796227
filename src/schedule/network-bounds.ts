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

/** The hosts' concurrency limits, as plain data (a worker thread computes the bounds from them). */
export interface HostLimits { maxOutgoing: Float64Array; maxIncoming: Float64Array; maxPerWave: number }

export function hostLimitsOf(model: Model): HostLimits {
  return {
    maxOutgoing: Float64Array.from(model.hosts, (h) => h.maxOutgoing),
    maxIncoming: Float64Array.from(model.hosts, (h) => h.maxIncoming),
    maxPerWave: model.maxPerWave,
  };
}

/** The bounds with the busiest channel and host as indices (-1: none): plain data. */
export interface IndexedBounds { value: number; links: number; busiest: number; hosts?: number; host: number; chain: number }

export function makespanBounds(model: Model, input: ScheduleInput, deps: readonly (readonly number[])[], solo: Float64Array): MakespanBounds {
  return namedBounds(model, input, indexedBounds(hostLimitsOf(model), input, deps, solo));
}

export function indexedBounds(limits: HostLimits, input: ScheduleInput, deps: readonly (readonly number[])[], solo: Float64Array): IndexedBounds {
  const free = graphFreeBounds(limits, input, solo);
  let chain = 0;
  for (const x of bottomLevels(solo, deps)) chain = Math.max(chain, x);
  return { ...free, value: Math.max(free.links, free.hosts ?? 0, chain), chain };
}

/** The bounds that need no dependency graph (links and hosts). */
function graphFreeBounds(limits: HostLimits, input: ScheduleInput, solo: Float64Array): Omit<IndexedBounds, 'value' | 'chain'> {
  let links = 0;
  let busiest = -1;
  channelSeconds(input).forEach((x, c) => { if (x > links) { links = x; busiest = c; } });
  const hostBound = hostSerialBound(limits, input, solo);
  return { links, busiest, ...(hostBound.seconds !== undefined ? { hosts: hostBound.seconds } : {}), host: hostBound.host };
}

/** The largest bound known before the dependency graph is: no schedule of the plan ends earlier. */
export function graphFreeBound(limits: HostLimits, input: ScheduleInput): number {
  const b = graphFreeBounds(limits, input, soloRuns(input).seconds);
  return Math.max(b.links, b.hosts ?? 0);
}

/** The bounds as reported: the busiest link and host by name. */
export function namedBounds(model: Model, input: ScheduleInput, b: IndexedBounds): MakespanBounds {
  const { network } = input;
  return {
    value: b.value, links: b.links,
    ...(b.busiest >= 0 ? { link: `${network.linkNames[b.busiest >> 1]} ${b.busiest & 1 ? 'down' : 'up'}` } : {}),
    ...(b.hosts !== undefined ? { hosts: b.hosts, ...(b.host >= 0 ? { host: model.hosts[b.host]!.name } : {}) } : {}),
    chain: b.chain,
  };
}

/** The busiest host's serial sum under the per-host (and per-plan) limits, when there are any (host -1: the per-plan limit). */
function hostSerialBound(limits: HostLimits, input: ScheduleInput, solo: Float64Array): { seconds?: number; host: number } {
  const { plan } = input;
  const { maxOutgoing, maxIncoming, maxPerWave } = limits;
  const H = maxOutgoing.length;
  const out = new Float64Array(H);
  const inn = new Float64Array(H);
  let total = 0;
  for (let m = 0; m < plan.n; m++) { out[plan.from[m]!]! += solo[m]!; inn[plan.to[m]!]! += solo[m]!; total += solo[m]!; }
  let seconds: number | undefined;
  let host = -1;
  const consider = (x: number, h: number) => {
    if (seconds === undefined || x > seconds) { seconds = x; host = h; }
  };
  for (let h = 0; h < H; h++) {
    if (Number.isFinite(maxOutgoing[h]) && maxOutgoing[h]! > 0) consider(out[h]! / maxOutgoing[h]!, h);
    if (Number.isFinite(maxIncoming[h]) && maxIncoming[h]! > 0) consider(inn[h]! / maxIncoming[h]!, h);
  }
  if (Number.isFinite(maxPerWave) && maxPerWave > 0) consider(total / maxPerWave, -1);
  return { seconds, host };
}
