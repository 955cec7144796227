/**
 * Seeded near-capacity clouds for the exact engine: a few VMs retargeted at random,
 * plus one swap between two full hosts that needs a detour (neither VM fits on the
 * other's host before the other has left).
 */
import type { InstanceDoc } from '../src/model/instance.js';
import { mulberry32 } from './generate.js';

const GiB = 1024;
const SIZES = [2, 4, 4, 8, 8, 8, 16, 16].map((g) => g * GiB);

export interface ExactCloudOptions {
  hosts: number;
  vms: number;
  seed: number;
  /** RAM fill of the placement. */
  fill?: number;
  /** Fraction of VMs retargeted at random (besides the swap). */
  retarget?: number;
}

export function exactCloud(o: ExactCloudOptions): InstanceDoc {
  const fill = o.fill ?? 0.85;
  const retarget = o.retarget ?? 0.1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const doc = tryCloud(o, fill, retarget, mulberry32(o.seed * 7919 + attempt));
    if (doc) return doc;
  }
  throw new Error(`exactCloud: no instance with a detour swap for ${JSON.stringify(o)}`);
}

function tryCloud(o: ExactCloudOptions, fill: number, retarget: number, random: () => number): InstanceDoc | undefined {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const ram = Array.from({ length: o.vms }, () => pick(SIZES));
  const total = ram.reduce((a, b) => a + b, 0);
  const cap = Math.ceil(total / (o.hosts * fill) / GiB) * GiB;
  const load = new Array<number>(o.hosts).fill(0);
  const at: number[] = [];
  // Largest first onto random hosts with room.
  const order = ram.map((_, v) => v).sort((a, b) => ram[b]! - ram[a]! || a - b);
  for (const v of order) {
    const fits = load.map((l, h) => h).filter((h) => load[h]! + ram[v]! <= cap);
    if (fits.length === 0) return undefined;
    const h = pick(fits);
    at[v] = h;
    load[h]! += ram[v]!;
  }
  const to = at.slice();
  const tload = load.slice();
  const moved = new Set<number>();
  for (let v = 0; v < o.vms; v++) {
    if (random() >= retarget) continue;
    const fits = tload.map((_, h) => h).filter((h) => h !== at[v] && tload[h]! + ram[v]! <= cap);
    if (fits.length === 0) continue;
    const h = pick(fits);
    tload[at[v]!]! -= ram[v]!;
    tload[h]! += ram[v]!;
    to[v] = h;
    moved.add(v);
  }
  // The swap: a on A and b on B trade hosts; it fits at the end but not while both are there.
  const still = (h: number) => ![...moved].some((v) => at[v] === h || to[v] === h);
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < o.vms; a++) {
    for (let b = 0; b < o.vms; b++) {
      const A = at[a]!;
      const B = at[b]!;
      if (a === b || A === B || moved.has(a) || moved.has(b) || !still(A) || !still(B) || ram[a] === ram[b]) continue;
      const fitsEnd = tload[A]! - ram[a]! + ram[b]! <= cap && tload[B]! - ram[b]! + ram[a]! <= cap;
      const blocked = load[A]! + ram[b]! > cap && load[B]! + ram[a]! > cap;
      if (fitsEnd && blocked) pairs.push([a, b]);
    }
  }
  if (pairs.length === 0) return undefined;
  const [a, b] = pick(pairs);
  to[a] = at[b]!;
  to[b] = at[a]!;
  const name = (v: number) => `vm${String(v).padStart(3, '0')}`;
  const host = (h: number) => `h${String(h).padStart(2, '0')}`;
  return {
    hosts: Array.from({ length: o.hosts }, (_, h) => ({ name: host(h), capacity: { ram: cap, cpu: cap / GiB } })),
    vms: ram.map((r, v) => ({ name: name(v), demand: { ram: r, cpu: r / (2 * GiB) } })),
    placement: Object.fromEntries(at.map((h, v) => [name(v), host(h)])),
    target: Object.fromEntries(to.map((h, v) => [name(v), host(h)])),
  };
}
