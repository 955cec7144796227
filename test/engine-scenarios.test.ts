/**
 * The default engine v2 on the situations an operator meets: many independent swaps,
 * hosts being drained, disabled hosts. Every plan is re-verified by replay in the helper.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc } from '../src/model/instance.js';
import { InputError } from '../src/io/errors.js';
import { searchSequence } from '../src/engines/heuristic/search.js';
import { verifyPlan } from '../src/verify/replay.js';
import { kSwapOptimum, kSwaps } from '../bench/kswap.js';
import { cloud, load, moves, plan } from './helpers.js';

describe('k independent swaps, each between two full hosts with a spare of its own', () => {
  it.each([1, 2, 5, 8, 20, 60])('k = %i: the optimal cost in 3 waves, proven by the deadlock bound', async (k) => {
    const p = await plan(kSwaps(k));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(kSwapOptimum(k));
    expect(p.lowerBound).toBe(kSwapOptimum(k));
    expect(p.waves).toHaveLength(3);
    expect(p.stats.wavesLowerBound).toBe(3);
    expect(p.stats.moves).toBe(3 * k);
  });

  it('is still proven optimal when a small VM that is home sits beside each big one (it cannot make room enough)', async () => {
    const doc = kSwaps(8);
    for (let i = 0; i < 8; i++) { doc.vms.push({ name: `z${i}`, demand: { ram: 1024 } }); doc.placement[`z${i}`] = `a${i}`; }
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(kSwapOptimum(8));
    expect(p.stats.searchedStates).toBeUndefined(); // the bound alone proves it
  });

  it('keeps the exhaustive search within its state budget instead of exhausting memory (k = 8)', async () => {
    const { problem } = await load(kSwaps(8));
    const r = searchSequence(problem, { maxStates: 20_000, deadline: Infinity, cutoff: kSwapOptimum(8) - 1 });
    expect(r.outcome).toBe('budget');
    // One expansion may add at most (VMs x hosts) placements beyond the budget.
    expect(r.states).toBeLessThanOrEqual(20_000 + 16 * 24);
    expect(r.lowerBound).toBeLessThanOrEqual(kSwapOptimum(8));
  });
});

describe('a small blocked core in a large instance', () => {
  // Parking needs room made on the parking host first: the greedy alone cannot do it, exhaustive search can.
  const core = {
    hosts: { h0: { ram: 4 }, h1: { ram: 4 }, h2: { ram: 7 }, h3: { ram: 8 }, h4: { ram: 6 } } as Record<string, Record<string, number>>,
    vms: { v0: { ram: 3 }, v1: { ram: 1 }, v2: { ram: 3 }, v3: { ram: 2 }, v4: { ram: 2 }, v5: { ram: 5 }, v6: { ram: 4 }, v7: { ram: 3 } } as Record<string, Record<string, number>>,
    at: { v0: 'h3', v1: 'h0', v2: 'h1', v3: 'h0', v4: 'h2', v5: 'h3', v6: 'h4', v7: 'h2' } as Record<string, string>,
    to: { v5: 'h2', v7: 'h3' },
  };
  /** The core plus 45 VMs that can never move, each filling a host of its own. */
  const padded = () => {
    const spec = { hosts: { ...core.hosts }, vms: { ...core.vms }, at: { ...core.at }, to: core.to };
    for (let i = 0; i < 45; i++) { spec.hosts[`full${i}`] = { ram: 16 }; spec.vms[`pad${i}`] = { ram: 16 }; spec.at[`pad${i}`] = `full${i}`; }
    return cloud(spec);
  };

  it('is searched on its own, whatever the total number of VMs: the same optimal plan with 45 VMs that cannot move around it', async () => {
    const alone = await plan(cloud(core));
    const big = await plan(padded());
    expect(alone.status).toBe('optimal');
    expect(big.status).toBe('optimal');
    expect(big.cost).toBe(alone.cost);
    expect(moves(big).some((m) => m.startsWith('pad'))).toBe(false);
  });
});

/** A swap between full hosts h1 and h2 with two places to park the small VM. */
function swapWithParking(parking: Record<string, object>, extraVms: Record<string, object> = {}, at: Record<string, string> = {}, to: Record<string, string> = {}): InstanceDoc {
  return cloud({
    hosts: { h1: { ram: 8 }, h2: { ram: 8 }, ...parking } as never,
    vms: { big: { ram: 6 }, small: { ram: 4 }, ...extraVms } as never,
    at: { big: 'h1', small: 'h2', ...at },
    to: { big: 'h2', small: 'h1', ...to },
  });
}

describe('a host the target leaves empty (being drained)', () => {
  it('never receives a parking move while another host can take it, even with more room', async () => {
    const doc = swapWithParking({ drained: { ram: 32 }, spare: { ram: 5 }, elsewhere: { ram: 16 } }, { d: { ram: 2 } }, { d: 'drained' }, { d: 'elsewhere' });
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(moves(p).filter((m) => m.endsWith('>drained'))).toEqual([]);
    expect(p.stats.detours).toBe(1);
  });

  it('is used for parking when no other plan exists', async () => {
    const doc = swapWithParking({ drained: { ram: 32 }, elsewhere: { ram: 2 } }, { d: { ram: 2 } }, { d: 'drained' }, { d: 'elsewhere' });
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(moves(p)).toContain('small:h2>drained');
  });
});

describe('a disabled host', () => {
  it('receives no migration: the swap parks on the enabled spare, even though the disabled one is roomier', async () => {
    const doc = swapWithParking({ off: { capacity: { ram: 32 }, disabled: true }, spare: { ram: 5 } });
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(moves(p).filter((m) => m.includes('>off'))).toEqual([]);
  });

  it('may still send: VMs leave it', async () => {
    const p = await plan(cloud({
      hosts: { off: { capacity: { ram: 8 }, disabled: true }, h1: { ram: 8 } },
      vms: { a: { ram: 4 } }, at: { a: 'off' }, to: { a: 'h1' },
    }));
    expect(moves(p)).toEqual(['a:off>h1']);
  });

  it('makes a swap infeasible when it was the only room to park', async () => {
    const p = await plan(swapWithParking({ off: { capacity: { ram: 32 }, disabled: true } }));
    expect(p.status).toBe('infeasible');
  });

  it('is refused as a target for a VM that is elsewhere (an input error naming the VM and the host)', async () => {
    const doc = cloud({
      hosts: { off: { capacity: { ram: 8 }, disabled: true }, h1: { ram: 8 } },
      vms: { a: { ram: 4 }, b: { ram: 2 } }, at: { a: 'h1', b: 'off' }, to: { a: 'off', b: 'off' },
    });
    const e = await load(doc).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).issues).toEqual([{ path: '/target/a', message: expect.stringMatching(/"a".*"off".*disabled/) }]);
  });

  it('is named, with the VM, by the replay verifier when a plan sends a VM there', async () => {
    const { problem } = await load(swapWithParking({ off: { capacity: { ram: 32 }, disabled: true }, spare: { ram: 5 } }));
    const r = verifyPlan(problem, [
      { migrations: [{ vm: 'small', from: 'h2', to: 'off' }] },
      { migrations: [{ vm: 'big', from: 'h1', to: 'h2' }] },
      { migrations: [{ vm: 'small', from: 'off', to: 'h1' }] },
    ]);
    expect(r.valid).toBe(false);
    expect(r.violations).toEqual([expect.objectContaining({ rule: 'disabled', vm: 'small', host: 'off', wave: 1 })]);
  });

  it('is left out by the exact engine too', async () => {
    const doc = swapWithParking({ off: { capacity: { ram: 32 }, disabled: true }, spare: { ram: 5 } });
    const p = await plan(doc, { engine: 'exact' });
    expect(['optimal', 'feasible']).toContain(p.status);
    expect(moves(p).filter((m) => m.includes('>off'))).toEqual([]);
  });
});
