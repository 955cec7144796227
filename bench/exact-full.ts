/**
 * Seeded small clouds filled close to capacity (default 6 hosts, 100 VMs, 90 % of RAM):
 * VMs placed at random where they fit, then a share of them retargeted at random to
 * hosts where they fit in the final state (a swap between full hosts when one exists,
 * which needs a detour). Little free room anywhere: the hard case for the exact engine.
 */
import type { InstanceDoc } from '../src/model/instance.js';
import { mulberry32 } from './generate.js';

const GiB = 1024;
const SIZES = [2, 4, 4, 8, 8, 8, 16, 16].map((g) => g * GiB);

export interface FullCloudOptions {
  hosts: number;
  vms: number;
  seed: number;
  /** RAM fill of the placement (default 0.9). */
  fill?: number;
  /** Fraction of VMs retargeted at random (default 0.4). */
  retarget?: number;
}

export function fullCloud(o: FullCloudOptions): InstanceDoc {
  const random = mulberry32(o.seed * 104_729 + o.hosts * 31 + o.vms);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const fill = o.fill ?? 0.9;
  const ram = Array.from({ length: o.vms }, () => pick(SIZES));
  const cap = Math.ceil(ram.reduce((a, b) => a + b, 0) / (o.hosts * fill) / GiB) * GiB;
  const load = new Array<number>(o.hosts).fill(0);
  const at: number[] = [];
  // Largest first onto random hosts with room; a VM that fits nowhere is left out.
  const order = ram.map((_, v) => v).sort((a, b) => ram[b]! - ram[a]! || a - b);
  const kept: number[] = [];
  for (const v of order) {
    const fits = load.map((_, h) => h).filter((h) => load[h]! + ram[v]! <= cap);
    if (fits.length === 0) continue;
    at[v] = pick(fits);
    load[at[v]!]! += ram[v]!;
    kept.push(v);
  }
  kept.sort((a, b) => a - b);
  const to = at.slice();
  const tload = load.slice();
  for (const v of kept) {
    if (random() >= (o.retarget ?? 0.4)) continue;
    const fits = tload.map((_, h) => h).filter((h) => h !== to[v] && tload[h]! + ram[v]! <= cap);
    if (fits.length === 0) continue;
    const h = pick(fits);
    tload[to[v]!]! -= ram[v]!;
    tload[h]! += ram[v]!;
    to[v] = h;
  }
  swap(kept, ram, at, to, tload, cap, pick);
  const name = (v: number) => `vm${String(v).padStart(3, '0')}`;
  const host = (h: number) => `h${String(h).padStart(2, '0')}`;
  return {
    hosts: Array.from({ length: o.hosts }, (_, h) => ({ name: host(h), capacity: { ram: cap, cpu: cap / GiB } })),
    vms: kept.map((v) => ({ name: name(v), demand: { ram: ram[v]!, cpu: ram[v]! / (2 * GiB) } })),
    placement: Object.fromEntries(kept.map((v) => [name(v), host(at[v]!)])),
    target: Object.fromEntries(kept.map((v) => [name(v), host(to[v]!)])),
  };
}

/** Two VMs still home on different hosts trade places when that fits at the end. */
function swap(kept: number[], ram: number[], at: number[], to: number[], tload: number[], cap: number, pick: <T>(xs: readonly T[]) => T): void {
  const home = kept.filter((v) => at[v] === to[v]);
  const pairs: Array<[number, number]> = [];
  for (const a of home) {
    for (const b of home) {
      const A = at[a]!;
      const B = at[b]!;
      if (a >= b || A === B || ram[a] === ram[b]) continue;
      if (tload[A]! - ram[a]! + ram[b]! <= cap && tload[B]! - ram[b]! + ram[a]! <= cap) pairs.push([a, b]);
    }
  }
  if (pairs.length === 0) return;
  const [a, b] = pick(pairs);
  const [A, B] = [at[a]!, at[b]!];
  to[a] = B;
  to[b] = A;
  tload[A]! += ram[b]! - ram[a]!;
  tload[B]! += ram[a]! - ram[b]!;
}
