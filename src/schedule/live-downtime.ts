/**
 * The pause a live migration causes, estimated soundly for the `downtime` rule.
 *
 * The pre-copy model (duration.ts) runs with the VM's SLA as the hypervisor's allowed pause
 * (libvirt's migrate-setmaxdowntime): the migration converges when some round can be copied
 * within it, and the pause is then at most the SLA. Its bandwidth is the least the migration
 * can get in ANY order the plan's limits allow, not the bandwidth it gets alone: links are
 * shared max-min fairly, so a migration gets at least capacity / sharers on the channel of
 * its path where that ratio is smallest, and the sharers of a channel are bounded by the
 * per-host limits of the hosts on either side of it (departures from below an up-channel,
 * arrivals outside it; the other way round down), by maxPerWave and by the number of VMs.
 * Every schedule shunt prints keeps those limits (replay verifier, dependency graph check),
 * so the estimate holds whatever order the plan runs in.
 */
import type { Model } from '../model/model.js';
import { networkOf, pathChannels, type Network } from '../model/network.js';
import { preCopy, vmProfile, type DurationOptions, type PreCopyResult } from './duration.js';

/** A sum of limits that may be unlimited: the finite part and how many are Infinity. */
class Limit {
  finite = 0;
  infinite = 0;
  add(x: number, sign = 1): this { if (Number.isFinite(x)) this.finite += sign * x; else this.infinite += sign; return this; }
  value(): number { return this.infinite > 0 ? Infinity : this.finite; }
  minus(o: Limit): Limit { const d = new Limit(); d.finite = this.finite - o.finite; d.infinite = this.infinite - o.infinite; return d; }
}

/** Per channel (2l up, 2l + 1 down), the most migrations that may cross it at once. */
function channelSharers(model: Model, net: Network): Float64Array {
  const H = model.hosts.length;
  const L = net.capacity.length;
  const outBelow = Array.from({ length: L }, () => new Limit());
  const inBelow = Array.from({ length: L }, () => new Limit());
  const count = new Int32Array(L);
  const allOut = new Limit();
  const allIn = new Limit();
  net.hostLinks.forEach((links, h) => {
    const host = model.hosts[h]!;
    allOut.add(host.maxOutgoing);
    allIn.add(host.maxIncoming);
    for (const l of links) { outBelow[l]!.add(host.maxOutgoing); inBelow[l]!.add(host.maxIncoming); count[l]!++; }
  });
  const cap = Math.min(model.vms.length, model.maxPerWave);
  const out = new Float64Array(2 * L);
  for (let l = 0; l < L; l++) {
    // Hosts below l send up through it to hosts outside; hosts outside send down into it.
    const closed = count[l] === H;
    const up = closed ? 0 : Math.min(outBelow[l]!.value(), allIn.minus(inBelow[l]!).value(), cap);
    const down = closed ? 0 : Math.min(inBelow[l]!.value(), allOut.minus(outBelow[l]!).value(), cap);
    out[2 * l] = Math.max(1, up);
    out[2 * l + 1] = Math.max(1, down);
  }
  return out;
}

const sharersCache = new WeakMap<Network, Float64Array>();

/** MiB/s the migration from -> to gets at least, however many others the limits let run beside it. */
export function worstCaseBandwidth(model: Model, from: number, to: number, defaultMbps: number): number {
  const net = networkOf(model, defaultMbps);
  let sharers = sharersCache.get(net);
  if (!sharers) { sharers = channelSharers(model, net); sharersCache.set(net, sharers); }
  const path = pathChannels(net, from, to);
  let b = Infinity;
  for (const c of path) b = Math.min(b, net.capacity[c >> 1]! / sharers[c]!);
  return b;
}

export interface LiveDowntime extends PreCopyResult {
  /** MiB/s assumed (the worst case the limits allow). */
  bandwidth: number;
  /** The allowed pause the estimate was made for, in seconds. */
  allowed: number;
}

/**
 * The live migration of the VM from -> to with at most `maxDowntimeMs` of pause: `converged`
 * says whether it ends within it at the worst-case bandwidth, `downtime` the estimated pause
 * (beyond the SLA when it cannot converge: the forced stop-and-copy).
 */
export function liveDowntime(model: Model, vm: number, from: number, to: number, maxDowntimeMs: number, o: DurationOptions): LiveDowntime {
  const bandwidth = worstCaseBandwidth(model, from, to, o.linkMbps);
  const allowed = maxDowntimeMs / 1000;
  const r = preCopy(vmProfile(model, vm, o), bandwidth, { maxDowntime: allowed, maxRounds: o.maxRounds, setup: o.setup });
  return { ...r, bandwidth, allowed };
}
