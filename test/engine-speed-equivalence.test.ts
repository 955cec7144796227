/**
 * The speed-ups of the plan, verify and write phases change no result: each fast path is
 * checked against the plain computation it replaced, on random inputs.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { relaxChainDepths } from '../src/engines/heuristic/chain-depths.js';
import { orderByKeys } from '../src/engines/heuristic/pending-order.js';
import { PlacementState } from '../src/model/state.js';
import type { Model } from '../src/model/model.js';

/** The greedy's chain depths as first written: every VM relaxed in every round. */
function chainDepthsByRounds(list: number[], blocked: number[], at: number[], target: number[], H: number, rounds: number, depth: Float64Array): Float64Array {
  const waiting = new Float64Array(H);
  for (const v of list) depth[v] = 1;
  for (let round = 0; round < rounds; round++) {
    waiting.fill(0);
    for (const w of blocked) waiting[target[w]!] = Math.max(waiting[target[w]!]!, depth[w]!);
    let changed = false;
    for (const v of list) {
      const d = 1 + waiting[at[v]!]!;
      if (d !== depth[v]) { depth[v] = d; changed = true; }
    }
    if (!changed) break;
  }
  return depth;
}

/** Random VMs on a few hosts with targets (cycles and long chains included), some pending and some of those blocked. */
const chainCases = fc.integer({ min: 1, max: 8 }).chain((H) => fc.record({
  H: fc.constant(H),
  vms: fc.array(fc.record({ at: fc.nat(H - 1), target: fc.nat(H - 1), pending: fc.boolean(), blocked: fc.boolean() }), { maxLength: 40 }),
  rounds: fc.integer({ min: 0, max: 40 }),
  order: fc.array(fc.nat(), { maxLength: 40 }),
}));

describe('chain depths relaxed only where they grow', () => {
  it('are the depths of relaxing every pending VM in every round, cap on rounds included', () => {
    fc.assert(fc.property(chainCases, ({ H, vms, rounds, order }) => {
      const at = vms.map((v) => v.at);
      const target = vms.map((v) => v.target);
      // pending VMs in a shuffled order, as the greedy's list is
      const list = vms.map((_, i) => i).filter((i) => vms[i]!.pending).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
      const blocked = list.filter((i) => vms[i]!.blocked);
      const stale = () => Float64Array.from(vms, (_, i) => 7 + i); // entries of VMs not in the list stay as they were
      const want = chainDepthsByRounds(list, blocked, at, target, H, rounds, stale());
      const got = relaxChainDepths({ list, blocked, hostOf: (v) => at[v]!, target, hosts: H, rounds }, stale());
      expect([...got]).toEqual([...want]);
    }), { numRuns: 500 });
  });
});

/** A model with just what a PlacementState reads. */
function tinyModel(H: number, placement: number[]): Model {
  return {
    hosts: Array.from({ length: H }, (_, h) => ({ name: `h${h}` })),
    resources: ['ram'],
    demand: Float64Array.from(placement, (_, v) => v + 1),
    placement: Int32Array.from(placement),
  } as unknown as Model;
}

describe('the VMs on a host', () => {
  it('are listed in the order a Set of them would keep, through moves, cancels, waves, withdrawals and relocations', () => {
    const ops = fc.array(fc.tuple(fc.constantFrom('begin', 'cancel', 'finish', 'withdraw', 'relocate'), fc.nat(), fc.nat()), { maxLength: 60 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(4), { minLength: 1, maxLength: 12 }), ops, (H, start, steps) => {
      const placement = start.map((h) => h % H);
      const state = new PlacementState(tinyModel(H, placement), new Float64Array(H).fill(Infinity));
      // The reference: one Set per host, changed as the state's own comments say.
      const sets = Array.from({ length: H }, () => new Set<number>());
      placement.forEach((h, v) => sets[h]!.add(v));
      const at = placement.slice();
      const dest = placement.map(() => -1);
      for (const [op, a, b] of steps) {
        const v = a % placement.length;
        const h = b % H;
        if (op === 'begin' && dest[v] === -1 && at[v] !== h) { state.beginMove(v, h); dest[v] = h; sets[h]!.add(v); }
        if (op === 'cancel' && dest[v]! >= 0 && state.inFlight[state.inFlight.length - 1] === v) { sets[dest[v]!]!.delete(v); state.cancelMove(v); dest[v] = -1; }
        if (op === 'finish') {
          for (const u of state.finishWave()) { sets[at[u]!]!.delete(u); at[u] = dest[u]!; dest[u] = -1; }
        }
        if (op === 'withdraw' && dest[v] === -1) {
          state.withdraw(v); sets[at[v]!]!.delete(v);
          expect(state.vmsOn(at[v]!)).toEqual([...sets[at[v]!]!]);
          state.restore(v); sets[at[v]!]!.add(v);
        }
        if (op === 'relocate' && dest[v] === -1) { state.relocate(v, h); sets[at[v]!]!.delete(v); at[v] = h; sets[h]!.add(v); }
        for (let x = 0; x < H; x++) {
          expect(state.vmsOn(x)).toEqual([...sets[x]!]);
          expect(state.countOn(x)).toBe(sets[x]!.size);
        }
      }
    }), { numRuns: 300 });
  });
});

describe('the greedy\'s order of pending VMs by counting sort', () => {
  it('is the comparator sort\'s order: each key descending in turn, then the VM ascending', () => {
    const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0, Infinity, -Infinity, 1 / 3), fc.double({ noNaN: true }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 4 }), fc.array(fc.nat(), { maxLength: 60 }), fc.array(value, { minLength: 120, maxLength: 120 }),
      (V, k, raw, values) => {
        const items = [...new Set(raw.map((x) => x % V))];
        const keys = Array.from({ length: k }, (_, j) => Float64Array.from({ length: V }, (_, v) => values[(j * 31 + v) % values.length]!));
        const want = items.slice().sort((a, b) => {
          for (const key of keys) { const d = key[b]! - key[a]!; if (d) return d; }
          return a - b;
        });
        const got = orderByKeys(items, keys);
        if (got) expect(got).toEqual(want);
      }), { numRuns: 500 });
  });

  it('leaves keys with a NaN or too many distinct values to the comparator', () => {
    expect(orderByKeys([0, 1], [[NaN, 1]])).toBeUndefined();
    const many = Array.from({ length: 10_000 }, (_, i) => i);
    expect(orderByKeys(many, [Float64Array.from(many, (i) => i / 7)])).toBeUndefined();
    expect(orderByKeys(many, [Float64Array.from(many, (i) => i % 3)])).toEqual([...many.filter((i) => i % 3 === 2), ...many.filter((i) => i % 3 === 1), ...many.filter((i) => i % 3 === 0)]);
  });
});
