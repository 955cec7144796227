/**
 * The replay verifier gives exactly what the implementation it replaced gave (kept in
 * test/reference/round5/ as the oracle): the same verdict, violations (every field, in order),
 * cost and moves, on random plans that are valid and on plans broken on purpose: unknown VM and
 * host names, wrong sources, a VM twice in a wave, waves merged past capacity and concurrency
 * limits, moves to the host a VM is on, cold moves, shelves and unshelves with and without the
 * VM's sla, disabled hosts, hosts that start overloaded, missing moves (wrong end state) and
 * empty waves. Waves written by toWaveDocs carry the indices they were written from: those are
 * checked too, also after their names were changed in place (the indices are then wrong).
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, LimitsDoc } from '../src/model/instance.js';
import type { Migration, Wave } from '../src/model/plan.js';
import type { Problem } from '../src/plugin-api.js';
import { loadInstance, planMigrations } from '../src/api.js';
import { fromWaveDocs, toWaveDocs } from '../src/plan/moves.js';
import { verifyPlan } from '../src/verify/replay.js';
import { verifyPlan as referenceVerify } from './reference/round5/replay.js';
import { generateCloud, mulberry32 } from '../bench/generate.js';

const LIMITS: LimitsDoc[] = [
  {},
  { maxOutgoingPerHost: 2, maxIncomingPerHost: 3, maxPerWave: 5 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null },
];

const KINDS = ['unknownVm', 'unknownFrom', 'unknownTo', 'wrongFrom', 'self', 'twice', 'merge', 'drop', 'empty', 'cold', 'shelve', 'unshelve', 'swap', 'rename'] as const;
type Kind = typeof KINDS[number];

const caseArbitrary = fc.record({
  hosts: fc.integer({ min: 3, max: 12 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  fill: fc.double({ min: 0.6, max: 0.95, noNaN: true }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  sla: fc.boolean(),
  disabled: fc.boolean(),
  overloaded: fc.boolean(),
  hinted: fc.boolean(),
  mutations: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), a: fc.nat(), b: fc.nat() }), { maxLength: 5 }),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

function instance(p: Case): InstanceDoc {
  const doc = generateCloud({ hosts: p.hosts, seed: p.seed, fill: p.fill, small: true, limits: LIMITS[p.limits] });
  // Half the VMs may be moved cold or shelved (the others refuse: the sla check is compared too).
  if (p.sla) doc.vms.forEach((v, i) => { if (i % 2 === 0) v.sla = { cold: true, shelve: true }; });
  return doc;
}

/**
 * The instance the plan is checked against: a host disabled (one that no VM must move to), or
 * one starting with less room than its VMs take (but enough for those it keeps in the target).
 */
function checkedAgainst(doc: InstanceDoc, p: Case): InstanceDoc {
  const out = structuredClone(doc);
  const random = mulberry32(p.seed + 1);
  const pick = <T>(list: T[]): T | undefined => list[Math.floor(random() * list.length)];
  const targetOf = (vm: string) => out.target?.[vm] ?? out.placement[vm];
  const ram = (host: string, at: (vm: string) => string | undefined) => out.vms.filter((v) => at(v.name) === host).reduce((s, v) => s + (v.demand['ram'] ?? 0), 0);
  if (p.disabled) {
    const h = pick(out.hosts.filter((h) => !out.vms.some((v) => targetOf(v.name) === h.name && out.placement[v.name] !== h.name)));
    if (h) h.disabled = true;
  }
  if (p.overloaded) {
    const h = pick(out.hosts.filter((h) => ram(h.name, targetOf) < ram(h.name, (vm) => out.placement[vm])));
    if (h) h.capacity = { ...h.capacity, ram: (ram(h.name, targetOf) + ram(h.name, (vm) => out.placement[vm])) / 2 };
  }
  return out;
}

const copy = (waves: readonly Wave[]): Wave[] => waves.map((w) => ({ migrations: w.migrations.map((m) => ({ ...m })) }));

/** The plan broken as `kind` says, at the migration and wave picked by a and b. */
function mutate(waves: Wave[], doc: InstanceDoc, kind: Kind, a: number, b: number): void {
  const all = waves.flatMap((w) => w.migrations);
  const hosts = doc.hosts.map((h) => h.name);
  const wi = a % Math.max(1, waves.length);
  if (kind === 'empty') { waves.splice(wi, 0, { migrations: [] }); return; }
  if (all.length === 0) return;
  const m = all[a % all.length]! as { vm: string; from: string | null; to: string | null; action?: string };
  const wave = waves.find((w) => w.migrations.includes(m as Migration))!;
  const other = all[b % all.length]!;
  switch (kind) {
    case 'unknownVm': m.vm = `${m.vm}-nowhere`; break;
    case 'unknownFrom': m.from = 'no-such-host'; break;
    case 'unknownTo': m.to = 'no-such-host'; break;
    case 'wrongFrom': m.from = hosts[b % hosts.length]!; break;
    case 'self': m.to = m.from; break;
    case 'twice': wave.migrations.push({ ...(other as Migration), vm: m.vm }); break;
    case 'merge': if (wi + 1 < waves.length) waves.splice(wi, 2, { migrations: [...waves[wi]!.migrations, ...waves[wi + 1]!.migrations] }); break;
    case 'drop': wave.migrations.splice(wave.migrations.indexOf(m as Migration), 1); break;
    case 'cold': m.action = 'cold'; break;
    case 'shelve': {
      // Shelved in its wave, unshelved onto its destination in the next one (or never: the plan ends shelved).
      const to = m.to;
      m.action = 'shelve';
      m.to = null;
      const next = waves[waves.indexOf(wave) + 1];
      if (next && b % 3 !== 0) next.migrations.unshift({ vm: m.vm, from: null, to: to!, action: 'unshelve' });
      break;
    }
    case 'unshelve': m.action = 'unshelve'; m.from = null; break;
    case 'swap': { const j = b % waves.length; [waves[wi], waves[j]] = [waves[j]!, waves[wi]!]; break; }
    case 'rename': m.vm = other.vm; break;
  }
}

function expectSame(problem: Problem, waves: Wave[]): boolean {
  const mine = verifyPlan(problem, waves);
  const theirs = referenceVerify(problem, waves);
  expect(mine).toStrictEqual(theirs);
  expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
  return theirs.valid;
}

describe('the replay verifier against the previous implementation', () => {
  it('gives the same verdict, violations, cost and moves on random plans, valid and broken', async () => {
    let compared = 0;
    let valid = 0;
    let broken = 0;
    await fc.assert(fc.asyncProperty(caseArbitrary, async (p) => {
      const doc = instance(p);
      let planned;
      try {
        planned = await planMigrations(doc, { source: 'random' });
      } catch {
        return; // a random instance may be infeasible as drawn
      }
      const { plan, loaded } = planned;
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      let problem = loaded.problem;
      if (p.disabled || p.overloaded) {
        try {
          problem = (await loadInstance(checkedAgainst(doc, p), { source: 'random' })).problem;
        } catch {
          return; // refused as an instance (an overloaded start the rules cannot charge to a host)
        }
      }
      // As written by an engine (indices left with the waves), or as read from a file (names only).
      const written = p.hinted ? toWaveDocs(problem.model, fromWaveDocs(loaded.model, plan.waves)) : copy(plan.waves);
      if (expectSame(problem, written)) valid++;
      for (const { kind, a, b } of p.mutations) mutate(written, doc, kind, a, b);
      if (!expectSame(problem, written)) broken++;
      compared++;
    }), { numRuns: 80, seed: 1505 });
    expect(compared).toBeGreaterThan(50);
    expect(valid).toBeGreaterThan(10);
    expect(broken).toBeGreaterThan(30);
  }, 120_000);

  it('reports what an engine-written wave names, not the indices left with it, when its names were changed', async () => {
    const doc = generateCloud({ hosts: 6, seed: 7, fill: 0.8, small: true });
    const { plan, loaded } = await planMigrations(doc, { source: 'random' });
    const { problem, model } = loaded;
    const written = toWaveDocs(model, fromWaveDocs(model, plan.waves));
    const first = written[0]!.migrations[0]! as { vm: string; from: string; to: string };
    // Another known VM, which starts elsewhere: the step now moves it from a host it is not on.
    const elsewhere = model.vms.find((v) => model.hosts[model.placement[v.index]!]!.name !== first.from)!.name;
    const at = model.hosts[model.placement[model.vmIndex.get(elsewhere)!]!]!.name;
    first.vm = elsewhere;
    const result = verifyPlan(problem, written);
    expect(result.violations[0]).toEqual({ rule: 'plan', wave: 1, phase: 'during', vm: elsewhere, host: first.from, message: `wave 1: ${elsewhere} is on ${at}, not on ${first.from}` });
    expect(result).toStrictEqual(referenceVerify(problem, written));
  });
});
