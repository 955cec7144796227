/**
 * Exact engine v2: proofs come from the bounds first, then part by part, then from the
 * integer program; every plan says, level by level, what is proven and how, with a
 * numeric bound and gap.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import type { Problem } from '../src/plugin-api.js';
import type { ExactProof } from '../src/exact/proof.js';
import { loadInstance, planMigrations } from '../src/api.js';
import { provenBounds } from '../src/plan/bounds.js';
import { searchSequence } from '../src/engines/heuristic/search.js';
import { verifyPlan } from '../src/verify/replay.js';
import { kSwaps, kSwapOptimum } from '../bench/kswap.js';
import { plan } from './helpers.js';

const exact = (options: Record<string, unknown> = {}): PolicyDoc => ({ engine: { name: 'exact', options: { heuristic: { searchMaxVms: 0 }, ...options } } });
const proofOf = (p: Plan) => (p.stats as { exact: { proof: ExactProof; attempts: unknown[] } }).exact;

const tinyShape = fc.record({
  hosts: fc.array(fc.record({ ram: fc.integer({ min: 4, max: 6 }), cpu: fc.integer({ min: 2, max: 4 }) }), { minLength: 2, maxLength: 3 }),
  vms: fc.array(fc.record({ ram: fc.integer({ min: 2, max: 4 }), cpu: fc.integer({ min: 0, max: 2 }), group: fc.integer({ min: 0, max: 2 }), at: fc.nat(), to: fc.nat() }), { minLength: 2, maxLength: 5 }),
  cpu: fc.boolean(),
  groups: fc.boolean(),
  limits: fc.constantFrom(undefined, { maxPerWave: 1 }, { maxIncomingPerHost: 1 }, { maxOutgoingPerHost: 1, maxPerWave: 2 }),
});
type TinyShape = typeof tinyShape extends fc.Arbitrary<infer T> ? T : never;

/** A tiny instance: one or two resources, anti-affinity groups and migration limits at random; placement and target packed where they fit (often full, so deadlocks are common). */
function tiny(s: TinyShape, prefix = '', zone?: string): InstanceDoc {
  const H = s.hosts.length;
  const group = (i: number) => `${prefix}g${s.groups ? s.vms[i]!.group : i}`;
  const pack = (start: (i: number) => number) => {
    const ram = new Array<number>(H).fill(0);
    const cpu = new Array<number>(H).fill(0);
    const groups = Array.from({ length: H }, () => new Set<string>());
    return s.vms.map((v, i) => {
      for (let k = 0; k < H; k++) {
        const h = (start(i) + k) % H;
        if (ram[h]! + v.ram > s.hosts[h]!.ram || (s.cpu && cpu[h]! + v.cpu > s.hosts[h]!.cpu) || groups[h]!.has(group(i))) continue;
        ram[h]! += v.ram; cpu[h]! += v.cpu; groups[h]!.add(group(i));
        return h;
      }
      return -1;
    });
  };
  const at = pack((i) => s.vms[i]!.at);
  const to = pack((i) => s.vms[i]!.to);
  const kept = s.vms.map((_, i) => i).filter((i) => at[i]! >= 0 && to[i]! >= 0);
  return {
    hosts: s.hosts.map((h, i) => ({ name: `${prefix}h${i}`, capacity: s.cpu ? { ram: h.ram, cpu: h.cpu } : { ram: h.ram }, ...(zone ? { zone } : {}) })),
    vms: kept.map((i) => ({ name: `${prefix}v${i}`, demand: s.cpu ? { ram: s.vms[i]!.ram, cpu: s.vms[i]!.cpu } : { ram: s.vms[i]!.ram }, group: group(i) })),
    placement: Object.fromEntries(kept.map((i) => [`${prefix}v${i}`, `${prefix}h${at[i]}`])),
    target: Object.fromEntries(kept.map((i) => [`${prefix}v${i}`, `${prefix}h${to[i]}`])),
    policy: { rules: ['capacity', 'anti-affinity', ...(zone ? ['zone'] : [])] },
    ...(s.limits ? { limits: s.limits } : {}),
  };
}

async function problemOf(doc: InstanceDoc): Promise<Problem | undefined> {
  try { return (await loadInstance(doc)).problem; } catch { return undefined; } // placement or target breaks a rule: not a case
}

/** Fewest waves of any valid plan, by breadth-first search over whole waves (each VM stays or goes anywhere). */
function fewestWaves(problem: Problem, maxDepth = 6): number | undefined {
  const { model } = problem;
  const V = model.vms.length;
  const H = model.hosts.length;
  const key = (p: number[]) => p.join(',');
  const goal = key([...model.target]);
  let frontier: Array<{ at: number[]; waves: Array<Array<{ vm: number; from: number; to: number }>> }> = [{ at: [...model.placement], waves: [] }];
  const seen = new Set([key(frontier[0]!.at)]);
  for (let depth = 1; depth <= maxDepth; depth++) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      for (let code = 1; code < H ** V; code++) {
        const to = Array.from({ length: V }, (_, v) => Math.floor(code / H ** v) % H);
        const wave = to.flatMap((h, v) => (h === node.at[v] ? [] : [{ vm: v, from: node.at[v]!, to: h }]));
        if (wave.length === 0 || seen.has(key(to))) continue;
        const waves = [...node.waves, wave];
        const docs = waves.map((w) => ({ migrations: w.map((m) => ({ vm: model.vms[m.vm]!.name, from: model.hosts[m.from]!.name, to: model.hosts[m.to]!.name })) }));
        if (!verifyPlan(problem, docs as never).valid) continue;
        if (key(to) === goal) return depth;
        seen.add(key(to));
        next.push({ at: to, waves });
      }
    }
    frontier = next;
  }
  return undefined;
}

describe('the proven bounds', () => {
  it('never exceed the exhaustive optimum: cost against the cheapest sequence, waves against the fewest waves of any plan', async () => {
    await fc.assert(fc.asyncProperty(tinyShape, async (s) => {
      const problem = await problemOf(tiny(s));
      if (!problem) return;
      const bounds = provenBounds(problem);
      const brute = searchSequence(problem, { maxStates: 1e6, deadline: Infinity });
      if (brute.outcome !== 'found') return;
      expect(bounds.cost).toBeLessThanOrEqual(brute.cost!);
      const fewest = fewestWaves(problem);
      if (fewest !== undefined) expect(bounds.waves).toBeLessThanOrEqual(fewest);
    }), { numRuns: 200, seed: 10 });
  });

  it('prove a plan that meets them without calling a solver: verified, at the bound, and said so', async () => {
    const k = 6;
    const p = await plan(kSwaps(k), exact());
    const { proof, attempts } = proofOf(p);
    expect(p.status).toBe('optimal');
    expect(p.cost).toBe(kSwapOptimum(k));
    expect(attempts).toHaveLength(0);
    expect(proof.cost).toMatchObject({ proven: true, by: 'bound', lowerBound: kSwapOptimum(k), gap: 0 });
    expect(proof.waves).toMatchObject({ proven: true, by: 'bound', value: 3 });
    expect(p.notes?.join(' ')).toMatch(/lower bound met.*no solver call needed/);
  });

  it('give plans proven by a bound exactly the bound\'s cost, on random tiny instances', async () => {
    await fc.assert(fc.asyncProperty(tinyShape, async (s) => {
      const doc = tiny(s);
      const problem = await problemOf(doc);
      if (!problem) return;
      const p = await plan(doc, exact()); // verified by the helper
      if (p.status !== 'optimal' && p.status !== 'feasible') return;
      const { proof } = proofOf(p);
      const bounds = provenBounds(problem);
      if (proof.cost.by === 'bound') expect(p.cost).toBe(bounds.cost);
      if (proof.waves.by === 'bound') expect(p.waves.length).toBe(bounds.waves);
    }), { numRuns: 40, seed: 11 });
  });
});

describe('every plan of the exact and auto engines', () => {
  it('carries a numeric lower bound and gap per level, with what proved each', async () => {
    await fc.assert(fc.asyncProperty(tinyShape, fc.constantFrom('exact', 'auto'), async (s, engine) => {
      const doc = tiny(s);
      if (!(await problemOf(doc))) return;
      const p = await plan(doc, { engine: { name: engine, options: engine === 'exact' ? { heuristic: { searchMaxVms: 0 } } : {} } });
      if (p.status !== 'optimal' && p.status !== 'feasible') return;
      const { proof } = proofOf(p);
      expect(p.lowerBound).toBe(proof.cost.lowerBound);
      for (const l of [proof.cost, proof.waves]) {
        expect(Number.isFinite(l.lowerBound) && Number.isFinite(l.gap)).toBe(true);
        expect(l.lowerBound).toBeLessThanOrEqual(l.value);
        expect(l.proven ? ['bound', 'parts', 'mip', 'search'] : [undefined]).toContain(l.by);
      }
      expect(p.status === 'optimal').toBe(proof.cost.proven);
    }), { numRuns: 20, seed: 12 });
  });

  it('auto returns the heuristic\'s plan at once, with its bounds, when it predicts no proof within the time limit', async () => {
    const doc = (await import('../examples/cloud-20.json', { with: { type: 'json' } })).default as InstanceDoc;
    const { plan: p } = await planMigrations(doc, { policy: { ...doc.policy, engine: { name: 'auto', options: { predictIntegers: 10 } } } });
    const { proof, attempts } = proofOf(p);
    expect(attempts).toHaveLength(0);
    expect(p.notes?.join(' ')).toMatch(/no proof predicted within the time limit/);
    expect(proof.cost.lowerBound).toBe(p.lowerBound);
    expect(proof.cost.gap).toBeGreaterThanOrEqual(0);
    expect(proof.waves.lowerBound).toBeLessThanOrEqual(p.waves.length);
  });
});

describe('independent parts', () => {
  it('are proven apart to the same cost, status and waves as the whole instance, and as exhaustive search', async () => {
    const pair = fc.record({ a: tinyShape, b: tinyShape });
    await fc.assert(fc.asyncProperty(pair, async ({ a, b }) => {
      const left = tiny({ ...a, limits: undefined }, 'a-', 'za');
      const right = tiny({ ...b, limits: undefined }, 'b-', 'zb');
      const doc: InstanceDoc = {
        hosts: [...left.hosts, ...right.hosts], vms: [...left.vms, ...right.vms],
        placement: { ...left.placement, ...right.placement }, target: { ...left.target, ...right.target },
        policy: { rules: ['capacity', 'anti-affinity', 'zone'] },
      };
      const problem = await problemOf(doc);
      if (!problem) return;
      const apart = await plan(doc, exact());
      const whole = await plan(doc, exact({ decompose: false }));
      expect(apart.status).toBe(whole.status);
      expect(apart.cost).toBe(whole.cost);
      if (apart.status === 'optimal') {
        const brute = searchSequence(problem, { maxStates: 1e6, deadline: Infinity });
        expect(apart.cost).toBe(brute.cost);
        const [pa, pw] = [proofOf(apart).proof, proofOf(whole).proof];
        if (pa.waves.proven && pw.waves.proven) expect(apart.waves.length).toBe(whole.waves.length);
      }
    }), { numRuns: 35, seed: 13 });
  });
});
