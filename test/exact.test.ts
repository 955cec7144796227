/**
 * The exact engine: what it proves must be true. Its inner heuristic is limited to
 * the greedy here (no exhaustive search), so the proofs come from the integer program.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import { loadInstance } from '../src/api.js';
import { searchSequence } from '../src/engines/heuristic/search.js';
import { cloud, plan, cli } from './helpers.js';

const exact = (options: Record<string, unknown> = {}): PolicyDoc => ({ engine: { name: 'exact', options: { heuristic: { searchMaxVms: 0 }, ...options } } });

const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});

describe('the exact engine on the classic scenarios', () => {
  it.each([
    ['a swap via a third host', swap, 14],
    ['a 3-cycle', cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, spare: { ram: 8 } },
      vms: { a: { ram: 5 }, b: { ram: 6 }, c: { ram: 7 } },
      at: { a: 'h1', b: 'h2', c: 'h3' }, to: { a: 'h2', b: 'h3', c: 'h1' },
    }), 23],
    ['parking a bystander', cloud({
      hosts: { h1: { ram: 10 }, h2: { ram: 10 }, spare: { ram: 3 } },
      vms: { a: { ram: 5 }, b: { ram: 5 }, c: { ram: 2 }, d: { ram: 2 } },
      at: { a: 'h1', b: 'h2', c: 'h1', d: 'h2' }, to: { a: 'h2', b: 'h1' },
    }), 14],
    ['CPU blocking under an allocation ratio', cloud({
      hosts: Object.fromEntries(['h1', 'h2', 'spare'].map((h) => [h, { capacity: { ram: 65536, cpu: 4 }, allocationRatio: { cpu: 2 } }])),
      vms: { a: { ram: 2048, cpu: 6 }, b: { ram: 1024, cpu: 4 } },
      at: { a: 'h1', b: 'h2' }, to: { a: 'h2', b: 'h1' },
    }), 4096],
    ['reserved memory', cloud({
      hosts: Object.fromEntries(['h1', 'h2', 'spare'].map((h) => [h, { capacity: { ram: 8192 }, reserved: { ram: 2048 } }])),
      vms: { a: { ram: 4096 }, b: { ram: 3072 } },
      at: { a: 'h1', b: 'h2' }, to: { a: 'h2', b: 'h1' },
    }), 10240],
  ])('proves the optimal cost of %s', async (_name, doc, optimum) => {
    const p = await plan(doc as InstanceDoc, exact());
    expect(p.engine).toBe('exact');
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(optimum);
    expect(p.lowerBound).toBe(optimum);
  });

  it('proves the fewest waves among the cheapest plans', async () => {
    // Two independent chains of two links: both run side by side, in 2 waves, and 1 is impossible.
    const p = await plan(cloud({
      hosts: { h0: { ram: 8 }, h1: { ram: 8 }, h2: { ram: 8 }, g0: { ram: 8 }, g1: { ram: 8 }, g2: { ram: 8 } },
      vms: { a1: { ram: 6 }, a2: { ram: 6 }, b1: { ram: 6 }, b2: { ram: 6 } },
      at: { a1: 'h1', a2: 'h2', b1: 'g1', b2: 'g2' },
      to: { a1: 'h0', a2: 'h1', b1: 'g0', b2: 'g1' },
    }), exact());
    expect(p.status).toBe('optimal');
    expect(p.waves).toHaveLength(2);
    expect((p.stats.exact as { wavesProven: boolean }).wavesProven).toBe(true);
  });

  it('reports solver, model size and what each model asked', async () => {
    const p = await plan(swap, exact());
    const e = p.stats.exact as { solver: string; attempts: Array<Record<string, unknown>> };
    expect(e.solver).toBe('glpk');
    expect(e.attempts.length).toBeGreaterThan(0);
    expect(e.attempts[0]).toMatchObject({ complete: true, solverStatus: expect.any(String) });
    expect(e.attempts[0]!['variables']).toBeGreaterThan(0);
    expect(e.attempts[0]!['rows']).toBeGreaterThan(0);
  });
});

describe('on tiny random instances', () => {
  it('the exact optimum equals the cheapest plan found by exhaustive search', async () => {
    const shape = fc.record({
      caps: fc.array(fc.integer({ min: 3, max: 8 }), { minLength: 2, maxLength: 4 }),
      vms: fc.array(fc.record({ ram: fc.integer({ min: 1, max: 4 }), at: fc.nat(), to: fc.nat() }), { minLength: 1, maxLength: 4 }),
    });
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const H = s.caps.length;
      const doc: InstanceDoc = {
        hosts: s.caps.map((ram, i) => ({ name: `h${i}`, capacity: { ram } })),
        vms: s.vms.map((v, i) => ({ name: `v${i}`, demand: { ram: v.ram } })),
        placement: Object.fromEntries(s.vms.map((v, i) => [`v${i}`, `h${v.at % H}`])),
        target: Object.fromEntries(s.vms.map((v, i) => [`v${i}`, `h${v.to % H}`])),
      };
      let loaded;
      try { loaded = await loadInstance(doc); } catch { return; } // placement or target over capacity: not a case
      const brute = searchSequence(loaded.problem, { maxStates: 1e6, deadline: Infinity });
      const p = await plan(doc, exact());
      if (brute.outcome === 'exhausted') { expect(p.status).toBe('unknown'); return; }
      expect(p.status).toBe('optimal');
      expect(p.cost).toBe(brute.cost);
    }), { numRuns: 40, seed: 3 });
  });
});

describe('what the exact engine cannot do', () => {
  const withUserRule = JSON.stringify({ ...swap, policy: { rules: [{ name: 'max-vms-per-host', options: { max: 3 } }] } });
  const plugins = join(__dirname, '..', 'examples', 'plugins');

  it('refuses a rule without a linear formulation, naming it', async () => {
    const r = await cli(['plan', '-', '--engine', 'exact', '--plugins', plugins], withUserRule);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/"max-vms-per-host" has none/);
  });

  it('auto falls back to the heuristic and says so', async () => {
    const r = await cli(['plan', '-', '--engine', 'auto', '--plugins', plugins, '--json'], withUserRule);
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.engine).toBe('auto');
    expect(p.notes.join(' ')).toMatch(/used the heuristic engine because .*max-vms-per-host/);
  });

  it('under a short time limit keeps a verified plan, and claims only what it proved', async () => {
    // A full cloud whose cost model GLPK could not finish within 60 s here.
    const { fullCloud } = await import('../bench/exact-full.js');
    const doc = fullCloud({ hosts: 6, vms: 100, seed: 3, fill: 0.95, retarget: 0.3 });
    const { planMigrations } = await import('../src/api.js');
    const { plan: p } = await planMigrations(doc, { policy: exact(), timeLimit: 2 });
    // How far the solver gets in 2 s depends on the machine; what is claimed must not.
    expect(['optimal', 'feasible']).toContain(p.status);
    expect(p.waves.length).toBeGreaterThan(0);
    // Honest: a numeric bound and gap for each level, nothing claimed proven that was not.
    const proof = (p.stats as { exact: { proof: { cost: { proven: boolean; gap: number; lowerBound: number }; waves: { gap: number } } } }).exact.proof;
    expect(proof.cost.lowerBound).toBe(p.lowerBound);
    expect(Number.isFinite(proof.waves.gap)).toBe(true);
    if (p.status === 'feasible') {
      expect(proof.cost.proven).toBe(false);
      expect(proof.cost.gap).toBeGreaterThan(0);
      expect(p.notes?.join(' ')).toMatch(/solver ended with status|model too large|not searched|time limit reached/);
    } else {
      expect(proof.cost.proven).toBe(true);
      expect(proof.cost.gap).toBe(0);
    }
  });

  it('compares engines and solvers in one table', async () => {
    const r = await cli(['compare', '-', '--solvers', 'glpk,jslp', '--json'], JSON.stringify(swap));
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { engine: string; solver: string | null }) => `${x.engine}/${x.solver}`)).toEqual(['heuristic/null', 'exact/glpk', 'exact/jslp']);
    for (const row of rows) expect(row).toMatchObject({ status: 'optimal', cost: 14 });
    // Where each proof came from, and when the first plan and the proof were there.
    for (const row of rows) {
      expect(row.proof.cost).toMatch(/^(bound|parts|mip|search)$/);
      expect(row.firstPlanSeconds).toBeLessThanOrEqual(row.proofSeconds);
    }
  });
});
