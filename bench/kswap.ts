/**
 * k independent swaps, each between two full hosts with a spare host of its own
 * (3k hosts, 2k VMs, RAM only): x_i (6 GiB) on a_i must go to b_i and y_i (4 GiB) on
 * b_i to a_i; neither target has room, and each spare (4 GiB) takes only a y. The
 * optimum parks every y once: cost k x (6 + 2 x 4) GiB, in 3 waves.
 */
import type { InstanceDoc } from '../src/model/instance.js';

export const KSWAP = { hostRam: 8192, spareRam: 4096, big: 6144, small: 4096 };

export function kSwaps(k: number): InstanceDoc {
  const hosts: InstanceDoc['hosts'] = [];
  const vms: InstanceDoc['vms'] = [];
  const placement: Record<string, string> = {};
  const target: Record<string, string> = {};
  for (let i = 0; i < k; i++) {
    hosts.push({ name: `a${i}`, capacity: { ram: KSWAP.hostRam } }, { name: `b${i}`, capacity: { ram: KSWAP.hostRam } }, { name: `spare${i}`, capacity: { ram: KSWAP.spareRam } });
    vms.push({ name: `x${i}`, demand: { ram: KSWAP.big } }, { name: `y${i}`, demand: { ram: KSWAP.small } });
    placement[`x${i}`] = `a${i}`; target[`x${i}`] = `b${i}`;
    placement[`y${i}`] = `b${i}`; target[`y${i}`] = `a${i}`;
  }
  return { hosts, vms, placement, target };
}

/** The optimal cost of kSwaps(k). */
export const kSwapOptimum = (k: number) => k * (KSWAP.big + 2 * KSWAP.small);
