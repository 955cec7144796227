/**
 * How long one live migration takes: an iterative pre-copy model, after the one the
 * mVM scheduler of BtrPlace uses (Kherbache, Hermenier, Madelaine), written here from
 * its description.
 *
 * A guest of `memory` MiB is copied at `bandwidth` MiB/s in rounds. The first round sends
 * all of it; every later round sends what the guest dirtied during the round before:
 *
 *   dirtied(t) = min(memory, hotDirtySize * min(1, t / hotDirtyDuration) + coldDirtyRate * t)
 *
 * (the hot working set, hotDirtySize MiB, is rewritten over hotDirtyDuration seconds, so a
 * round shorter than that catches only part of it; cold pages are dirtied at coldDirtyRate
 * MiB/s). A round whose data can be sent within `maxDowntime` seconds is the last one: the
 * guest is paused and the rest copied (stop-and-copy). After `maxRounds` live rounds the
 * stop-and-copy is forced, so a guest that dirties faster than the link copies still ends.
 * `setup` seconds per migration (connection, device state) come on top.
 *
 *   seconds = setup + sum over rounds k = 0..K of D_k / bandwidth,
 *   D_0 = memory, D_{k+1} = dirtied(D_k / bandwidth),
 *   K = first k with D_k / bandwidth <= maxDowntime, or maxRounds.
 *
 * Every D_k grows with memory and with either dirty rate and shrinks with the bandwidth, and
 * so does the number of rounds: the time is monotone in each of them.
 *
 * Inputs per VM, from its attributes (BtrPlace's names, kept by the importer): `memUsed`
 * (MiB; else the VM's demand of the memory resource), `hotDirtySize` (MiB, default 0),
 * `hotDirtyDuration` (s, default 1), `coldDirtyRate` (MiB/s; else `dirtyRate`; else the
 * default). Links: the instance's `network` (src/model/network.ts), else per host
 * `attributes.bandwidth`, its own link in Mb/s (default 10,000).
 */
import type { Model } from '../model/model.js';
import { MEGABITS_PER_MIB, hostLinkMbps, networkOf, pathBandwidth, pathChannels } from '../model/network.js';

export { MEGABITS_PER_MIB };
/** Link of a host without `attributes.bandwidth`, in Mb/s. */
export const DEFAULT_LINK_MBPS = 10_000;

/** What the pre-copy model needs to know about a guest. */
export interface MigrationProfile {
  /** MiB copied in the first round. */
  memory: number;
  /** MiB of hot pages, rewritten over hotDirtyDuration seconds. */
  hotDirtySize: number;
  hotDirtyDuration: number;
  /** MiB/s of other pages dirtied. */
  coldDirtyRate: number;
}

export interface PreCopyOptions {
  /** Seconds the guest may be paused for the last copy. */
  maxDowntime: number;
  /** Live rounds before the stop-and-copy is forced. */
  maxRounds: number;
  /** Fixed seconds per migration. */
  setup: number;
}

export interface DurationOptions extends PreCopyOptions {
  /** MiB/s of a guest without its own dirty rate. */
  dirtyRate: number;
  /** Resource holding a VM's memory in MiB, when it has no attributes.memUsed. */
  resource: string;
  /** Mb/s of a host's link when it has no attributes.bandwidth. */
  linkMbps: number;
}

/**
 * The defaults of the `duration` cost plugin (plugins/cost/duration.json) and of plan schedules.
 * `setup` and `maxDowntime` are calibrated on 50 plans executed on a real testbed
 * (bench/calibration.ts, docs/benchmarks.md): fitted on half of them, the model estimates
 * the other half's makespans within 2.4 % and their migrations within 5.9 % (MAPE). The
 * fitted pause of 1.5 s is an effective value: the measured migrations end as if the last
 * 1.5 s of dirty pages were copied in the pause, beyond the 0.3 s hypervisors aim for.
 */
export const DEFAULT_DURATION_OPTIONS: Readonly<DurationOptions> = {
  dirtyRate: 50, maxDowntime: 1.5, maxRounds: 30, setup: 2, resource: 'ram', linkMbps: DEFAULT_LINK_MBPS,
};

/** MiB the guest dirties during a round of `seconds` (never more than its memory). */
export function dirtiedDuring(p: MigrationProfile, seconds: number): number {
  const hot = p.hotDirtyDuration > 0 ? p.hotDirtySize * Math.min(1, seconds / p.hotDirtyDuration) : p.hotDirtySize;
  return Math.min(p.memory, hot + p.coldDirtyRate * seconds);
}

/** True when a round that copies `toCopy` MiB at `bandwidth` is the stop-and-copy (`liveRounds` done so far). */
export function isFinalRound(toCopy: number, bandwidth: number, liveRounds: number, o: PreCopyOptions): boolean {
  return liveRounds >= o.maxRounds || toCopy / bandwidth <= o.maxDowntime;
}

export interface PreCopyResult {
  /** Total time, setup included. */
  seconds: number;
  /** Live rounds before the stop-and-copy. */
  rounds: number;
  /** Seconds the guest is paused. */
  downtime: number;
  /** MiB sent over the link. */
  transferred: number;
  /** False when the round limit forced the stop-and-copy: the guest dirties faster than the link copies. */
  converged: boolean;
}

/** One migration alone on a link of `bandwidth` MiB/s. */
export function preCopy(p: MigrationProfile, bandwidth: number, o: PreCopyOptions): PreCopyResult {
  let seconds = o.setup;
  let transferred = 0;
  let toCopy = p.memory;
  for (let round = 0; ; round++) {
    const t = toCopy / bandwidth;
    seconds += t;
    transferred += toCopy;
    if (isFinalRound(toCopy, bandwidth, round, o)) return { seconds, rounds: round, downtime: t, transferred, converged: t <= o.maxDowntime };
    toCopy = dirtiedDuring(p, t);
  }
}

/** An attribute's value when it is a finite number >= 0. */
const nonNegative = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);

/** The VM's pre-copy inputs from its attributes, falling back on its RAM demand and the defaults. */
export function vmProfile(model: Model, vm: number, o: Pick<DurationOptions, 'dirtyRate' | 'resource'>): MigrationProfile {
  return vmProfileOf(model, vm, o, model.resources.indexOf(o.resource));
}

/**
 * vmProfile with the index of the memory resource (`r`, -1 when absent) found once for many VMs;
 * the attributes are read by name (one property access each, as fast as the objects' shapes allow).
 */
export function vmProfileOf(model: Model, vm: number, o: Pick<DurationOptions, 'dirtyRate'>, r: number): MigrationProfile {
  const attrs = model.vms[vm]!.attributes as Readonly<Partial<Record<'memUsed' | 'hotDirtySize' | 'hotDirtyDuration' | 'coldDirtyRate' | 'dirtyRate', unknown>>>;
  const memory = nonNegative(attrs.memUsed) ?? (r < 0 ? 0 : model.demand[vm * model.resources.length + r]!);
  return {
    memory,
    hotDirtySize: Math.min(memory, nonNegative(attrs.hotDirtySize) ?? 0),
    hotDirtyDuration: nonNegative(attrs.hotDirtyDuration) ?? 1,
    coldDirtyRate: nonNegative(attrs.coldDirtyRate) ?? nonNegative(attrs.dirtyRate) ?? o.dirtyRate,
  };
}

/** A host's link in MiB/s: attributes.bandwidth (Mb/s) or the default. */
export function linkBandwidth(model: Model, host: number, defaultMbps: number = DEFAULT_LINK_MBPS): number {
  return hostLinkMbps(model, host, defaultMbps) / MEGABITS_PER_MIB;
}

/** MiB/s of the slowest link between two hosts (the instance's network, else their own links). */
export function routeBandwidth(model: Model, from: number, to: number, defaultMbps: number = DEFAULT_LINK_MBPS): number {
  const net = networkOf(model, defaultMbps);
  return pathBandwidth(net, pathChannels(net, from, to));
}

/** Seconds to migrate the VM from one host to the other when it has every link of its path to itself. */
export function migrationSeconds(model: Model, vm: number, from: number, to: number, o: DurationOptions = DEFAULT_DURATION_OPTIONS): number {
  return preCopy(vmProfile(model, vm, o), routeBandwidth(model, from, to, o.linkMbps), o).seconds;
}
