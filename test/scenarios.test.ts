/**
 * Classic situations with known optimal costs (cost = RAM moved). Every plan is
 * re-verified by replay in the helper; here we state what the plan must achieve.
 */
import { describe, expect, it } from 'vitest';
import { cloud, moves, plan, wavesOf } from './helpers.js';

describe('path finding between full hosts', () => {
  it('swaps two VMs via a third host, parking the smaller one (cost big + 2 x small)', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
      vms: { big: { ram: 6 }, small: { ram: 4 } },
      at: { big: 'h1', small: 'h2' },
      to: { big: 'h2', small: 'h1' },
    }));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(14);
    expect(wavesOf(p)).toEqual([['small:h2>spare'], ['big:h1>h2'], ['small:spare>h1']]);
  });

  it('proves that a swap between two full hosts with nowhere to park is impossible', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 } },
      vms: { a: { ram: 6 }, b: { ram: 4 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h2', b: 'h1' },
    }));
    expect(p.status).toBe('infeasible');
    expect(p.waves).toEqual([]);
    expect(p.cost).toBeNull();
    expect(p.explanation?.join('\n')).toMatch(/a cannot move h1 -> h2: host h2 ram: load 10 exceeds usable 8/);
  });

  it('breaks a 3-cycle by parking its cheapest VM once', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, spare: { ram: 8 } },
      vms: { a: { ram: 5 }, b: { ram: 6 }, c: { ram: 7 } },
      at: { a: 'h1', b: 'h2', c: 'h3' },
      to: { a: 'h2', b: 'h3', c: 'h1' },
    }));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(5 + 6 + 7 + 5);
    expect(moves(p).filter((m) => m.includes('spare'))).toEqual(['a:h1>spare', 'a:spare>h2']);
  });

  it('runs a long chain in order, one wave per link, without any detour', async () => {
    const hosts: Record<string, Record<string, number>> = { h0: { ram: 8 } };
    const vms: Record<string, Record<string, number>> = {};
    const at: Record<string, string> = {};
    const to: Record<string, string> = {};
    for (let i = 1; i <= 6; i++) {
      hosts[`h${i}`] = { ram: 8 };
      vms[`v${i}`] = { ram: 6 };
      at[`v${i}`] = `h${i}`;
      to[`v${i}`] = `h${i - 1}`;
    }
    const p = await plan(cloud({ hosts, vms, at, to }));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(36);
    expect(p.stats.detours).toBe(0);
    expect(wavesOf(p)).toEqual([1, 2, 3, 4, 5, 6].map((i) => [`v${i}:h${i}>h${i - 1}`]));
  });

  it('parks a VM that was not asked to move when only it fits the spare room, and brings it back', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 10 }, h2: { ram: 10 }, spare: { ram: 3 } },
      vms: { a: { ram: 5 }, b: { ram: 5 }, c: { ram: 2 }, d: { ram: 2 } },
      at: { a: 'h1', b: 'h2', c: 'h1', d: 'h2' },
      to: { a: 'h2', b: 'h1' },
    }));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(5 + 5 + 2 + 2);
    const bystander = moves(p).filter((m) => m.startsWith('c:') || m.startsWith('d:'));
    expect(bystander).toHaveLength(2);
    // It leaves its host for a while and comes back: the two movers cannot fit the spare host.
    expect(bystander[0]).toMatch(/^(c:h1|d:h2)>/);
    expect(bystander[1]).toMatch(/^(c:.*>h1|d:.*>h2)$/);
  });

  it('lets CPU over-commit decide: blocked at ratio 2, a detour is needed', async () => {
    const host = { capacity: { ram: 65536, cpu: 4 }, allocationRatio: { cpu: 2 } };
    const p = await plan(cloud({
      hosts: { h1: host, h2: host, spare: host },
      vms: { a: { ram: 2048, cpu: 6 }, b: { ram: 1024, cpu: 4 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h2', b: 'h1' },
    }));
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(2048 + 2 * 1024);
    expect(moves(p)[0]).toBe('b:h2>spare');
  });

  it('counts reserved memory: what swaps in one wave without it needs a detour with it', async () => {
    const spec = (reserved: number) => cloud({
      hosts: Object.fromEntries(['h1', 'h2', 'spare'].map((h) => [h, { capacity: { ram: 8192 }, reserved: { ram: reserved } }])),
      vms: { a: { ram: 4096 }, b: { ram: 3072 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h2', b: 'h1' },
    });
    const free = await plan(spec(0));
    expect(free.cost).toBe(4096 + 3072);
    expect(free.waves).toHaveLength(1);
    const tight = await plan(spec(2048));
    expect(tight.status).toBe('optimal');
    expect(tight.cost).toBe(4096 + 2 * 3072);
    expect(tight.waves).toHaveLength(3);
  });

  it('runs independent migrations in parallel, within per-host limits', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 16 }, h2: { ram: 16 }, h3: { ram: 16 }, h4: { ram: 16 } },
      vms: { a: { ram: 2 }, b: { ram: 2 }, c: { ram: 2 } },
      at: { a: 'h1', b: 'h2', c: 'h1' },
      to: { a: 'h3', b: 'h4', c: 'h4' },
    }));
    expect(p.status).toBe('optimal');
    expect(p.waves).toHaveLength(2); // h1 sends two, h4 receives two: one at a time
    expect(p.waves[0]!.migrations).toHaveLength(2);
    expect(p.stats.wavesLowerBound).toBe(2);
  });

  it('respects maxPerWave and unlimited host limits', async () => {
    const vms: Record<string, Record<string, number>> = {};
    const at: Record<string, string> = {};
    const to: Record<string, string> = {};
    for (let i = 0; i < 6; i++) { vms[`v${i}`] = { ram: 1 }; at[`v${i}`] = 'h1'; to[`v${i}`] = 'h2'; }
    const p = await plan(cloud({
      hosts: { h1: { ram: 16 }, h2: { ram: 16 } }, vms, at, to,
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: 4 },
    }));
    expect(p.waves.map((w) => w.migrations.length)).toEqual([4, 2]);
  });

  it('gives the same plan for the same input', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, h4: { ram: 8 } },
      vms: { a: { ram: 3 }, b: { ram: 3 }, c: { ram: 4 }, d: { ram: 4 } },
      at: { a: 'h1', b: 'h1', c: 'h2', d: 'h3' },
      to: { a: 'h2', b: 'h3', c: 'h1', d: 'h4' },
    });
    const first = await plan(doc);
    const second = await plan(doc);
    expect(second.waves).toEqual(first.waves);
  });

  it('reports an empty plan when every VM is already on its target', async () => {
    const p = await plan(cloud({ hosts: { h1: { ram: 8 } }, vms: { a: { ram: 1 } }, at: { a: 'h1' } }));
    expect(p).toMatchObject({ status: 'optimal', waves: [], cost: 0, lowerBound: 0 });
  });
});

describe('the greedy wave builder alone (no exhaustive search)', () => {
  const greedyOnly = { engine: { name: 'heuristic', options: { searchMaxVms: 0 } } };

  it('parks the small VM, not the big one, to break a swap', async () => {
    const p = await plan(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
      vms: { big: { ram: 6 }, small: { ram: 4 } },
      at: { big: 'h1', small: 'h2' },
      to: { big: 'h2', small: 'h1' },
    }), greedyOnly);
    expect(p.cost).toBe(14);
    expect(moves(p)[0]).toBe('small:h2>spare');
  });

  it('breaks many independent swaps in the same waves', async () => {
    const hosts: Record<string, Record<string, number>> = { spare1: { ram: 100 }, spare2: { ram: 100 } };
    const vms: Record<string, Record<string, number>> = {};
    const at: Record<string, string> = {};
    const to: Record<string, string> = {};
    for (let i = 0; i < 10; i++) {
      hosts[`a${i}`] = { ram: 8 };
      hosts[`b${i}`] = { ram: 8 };
      vms[`x${i}`] = { ram: 6 };
      vms[`y${i}`] = { ram: 5 };
      at[`x${i}`] = `a${i}`; to[`x${i}`] = `b${i}`;
      at[`y${i}`] = `b${i}`; to[`y${i}`] = `a${i}`;
    }
    const p = await plan(cloud({ hosts, vms, at, to, limits: { maxIncomingPerHost: null, maxOutgoingPerHost: null } }), greedyOnly);
    expect(p.cost).toBe(10 * (6 + 5 + 5));
    expect(p.waves).toHaveLength(3);
  });

  it('gets a sequence when parking needs room made on the parking host first', async () => {
    // The only way: move a VM that is already home off a small host, park there, and put everything back.
    const p = await plan(cloud({
      hosts: { h0: { ram: 4 }, h1: { ram: 4 }, h2: { ram: 7 }, h3: { ram: 8 }, h4: { ram: 6 } },
      vms: { v0: { ram: 3 }, v1: { ram: 1 }, v2: { ram: 3 }, v3: { ram: 2 }, v4: { ram: 2 }, v5: { ram: 5 }, v6: { ram: 4 }, v7: { ram: 3 } },
      at: { v0: 'h3', v1: 'h0', v2: 'h1', v3: 'h0', v4: 'h2', v5: 'h3', v6: 'h4', v7: 'h2' },
      to: { v5: 'h2', v7: 'h3' },
    }), greedyOnly);
    expect(['optimal', 'feasible']).toContain(p.status);
    expect(p.stats.detours).toBeGreaterThan(0);
  });
});

describe('the makespan objective', () => {
  // Two hosts each send one long and one short migration, one at a time.
  const doc = cloud({
    hosts: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((h) => [h, { ram: 65536 }])),
    vms: { s1: { ram: 1024 }, L1: { ram: 32768 }, L2: { ram: 32768 }, s2: { ram: 1024 } },
    at: { s1: 'a', L1: 'a', L2: 'b', s2: 'b' },
    to: { s1: 'c', L1: 'd', L2: 'e', s2: 'f' },
  });
  const waveSeconds = (p: Awaited<ReturnType<typeof plan>>) => (p.stats['makespan'] as { waves: number }).waves;

  it('groups the long migrations in one wave, shortening the wave-by-wave duration at the same cost', async () => {
    const byCost = await plan(doc);
    const byTime = await plan(doc, { engine: { name: 'heuristic', options: { objective: 'makespan' } } });
    expect(byTime.cost).toBe(byCost.cost);
    expect(byTime.waves[0]!.migrations.map((m) => m.vm).sort()).toEqual(['L1', 'L2']);
    expect(waveSeconds(byTime)).toBeLessThan(waveSeconds(byCost));
  });

  it('is also an objective of the exact engine, which never returns a longer plan than its heuristic', async () => {
    const p = await plan(doc, { engine: { name: 'exact', options: { objective: 'makespan' } } });
    const h = await plan(doc, { engine: { name: 'heuristic', options: { objective: 'makespan' } } });
    expect(waveSeconds(p)).toBeLessThanOrEqual(waveSeconds(h) + 1e-9);
    expect(p.cost).toBe(h.cost);
  });
});
