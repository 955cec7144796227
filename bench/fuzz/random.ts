/**
 * The fuzzer's seeded randomness. Every instance draws from its own stream, derived
 * from the campaign seed, the family and the instance's index, so that any single
 * instance can be regenerated with `--seed S --family F --index I`.
 */
import { mulberry32 } from '../generate.js';

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number { return this.next(); }
  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }
  /** An integer drawn log-uniformly in [lo, hi]: small sizes as often as large ones. */
  logInt(lo: number, hi: number): number {
    return Math.min(hi, Math.floor(Math.exp(Math.log(lo) + this.next() * (Math.log(hi + 1) - Math.log(lo)))));
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** FNV-1a over the parts, for a per-instance seed that does not depend on other instances. */
export function instanceSeed(seed: number, family: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${family}/${index}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
