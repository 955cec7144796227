/** Concurrency-limit variants shared by the families: per instance, and per host. */
import type { HostDoc, LimitsDoc } from '../../../src/model/instance.js';
import type { Random } from '../random.js';

const INSTANCE_LIMITS: readonly LimitsDoc[] = [
  {},
  { maxOutgoingPerHost: 2, maxIncomingPerHost: 2 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null },
  { maxPerWave: 1 },
  { maxPerWave: 2 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: 3 },
];

/** A limits section (none for the default of one in, one out), and a label for reports. */
export function drawLimits(rng: Random): { limits?: LimitsDoc; label: string } {
  const limits = rng.pick(INSTANCE_LIMITS);
  const keys = Object.entries(limits);
  if (keys.length === 0) return { label: 'limits default' };
  return { limits: { ...limits }, label: keys.map(([k, v]) => `${k}=${v}`).join(',') };
}

/** With probability p, gives some hosts their own maxIncoming/maxOutgoing (1, 2 or unlimited). */
export function drawHostLimits(rng: Random, hosts: HostDoc[], p: number): boolean {
  if (!rng.chance(p)) return false;
  for (const h of hosts) {
    if (rng.chance(0.5)) h.maxIncoming = rng.pick([1, 2, null]);
    if (rng.chance(0.5)) h.maxOutgoing = rng.pick([1, 2, null]);
  }
  return true;
}
