/**
 * Random clouds for the schedule's property tests: racks of hosts on 10 Gb/s uplinks behind
 * shared rack links, hosts outside the network on links of their own, guests of 1-4 GB (some
 * with a hot working set, some dirtying faster than a rack link copies), VMs moved at random.
 */
import fc from 'fast-check';
import type { InstanceDoc, LimitsDoc, NetworkDoc } from '../src/model/instance.js';
import { mulberry32 } from '../bench/generate.js';

export const LIMITS: (LimitsDoc | undefined)[] = [undefined, { maxOutgoingPerHost: null, maxIncomingPerHost: null }, { maxOutgoingPerHost: 3, maxIncomingPerHost: 2 }];
export const rackCloudArbitrary = fc.record({
  racks: fc.integer({ min: 1, max: 3 }),
  perRack: fc.integer({ min: 2, max: 5 }),
  ownLink: fc.integer({ min: 0, max: 3 }),
  vms: fc.integer({ min: 4, max: 50 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  rackMbps: fc.constantFrom(1000, 4000, 20_000),
});

export type RackCloud = { racks: number; perRack: number; ownLink: number; vms: number; seed: number; limits: number; rackMbps: number };

/**
 * Racks of hosts on 10 Gb/s uplinks behind rack links of `rackMbps`, and `ownLink` hosts
 * outside the network on links of their own; guests of 1-4 GB, some with a hot working set,
 * some dirtying faster than a rack link copies.
 */
export function rackCloud(p: RackCloud): InstanceDoc {
  const random = mulberry32(p.seed);
  const racked = Array.from({ length: p.racks * p.perRack }, (_, i) => `h${i}`);
  const hosts = [...racked, ...Array.from({ length: p.ownLink }, (_, i) => `solo${i}`)];
  const network: NetworkDoc = {
    links: [
      ...racked.map((h) => ({ name: `${h}-up`, capacity: 10_000 })),
      ...Array.from({ length: p.racks }, (_, r) => ({ name: `rack${r}`, capacity: p.rackMbps })),
    ],
    hosts: Object.fromEntries(racked.map((h, i) => [h, [`${h}-up`, `rack${Math.floor(i / p.perRack)}`]])),
  };
  const pick = () => hosts[Math.floor(random() * hosts.length)]!;
  const vms = Array.from({ length: p.vms }, (_, i) => {
    const memory = [1000, 2000, 4000][Math.floor(random() * 3)]!;
    const hot = random() < 0.3 ? { hotDirtySize: 300, hotDirtyDuration: 2 } : {};
    return { name: `v${i}`, demand: { ram: memory }, attributes: { memUsed: memory, coldDirtyRate: [0, 5, 40, 200, 1500][Math.floor(random() * 5)]!, ...hot } };
  });
  const limits = LIMITS[p.limits];
  return {
    hosts: hosts.map((name, i) => ({ name, capacity: { ram: 32_000 }, ...(i % 3 === 2 ? { attributes: { bandwidth: 2500 } } : {}) })),
    vms,
    placement: Object.fromEntries(vms.map((v) => [v.name, pick()])),
    target: Object.fromEntries(vms.map((v) => [v.name, pick()])),
    network,
    ...(limits ? { limits } : {}),
  };
}

