/**
 * Overloaded starts (issue 12 item 1): a placement that breaks a rule on some hosts is
 * accepted when the target satisfies every rule. Such a host receives nothing while it breaks
 * a rule and only sends; once within its rules it is a normal host and must stay so.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan, Wave } from '../src/model/plan.js';
import type { Problem } from '../src/plugin-api.js';
import { cloud, cli, load, moves, plan, tempDir, wavesOf } from './helpers.js';
import { loadInstance, solveLoaded } from '../src/api.js';
import { verifyPlan, verifyDependencies } from '../src/verify/replay.js';
import { generateInstance } from '../bench/fuzz/generate.js';
import { solveByOracle } from '../bench/fuzz/oracle.js';
import { TimeIndexedModel } from '../src/exact/time-indexed.js';
import { getBackend } from '../src/exact/solvers/registry.js';
import { startViolations } from '../src/verify/overload.js';

const GiB = 1024;
const fixture = (name: string): InstanceDoc => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'overload', `${name}.json`), 'utf8')) as InstanceDoc;
const FIXTURES = ['hotspot', 'lowered-ratio', 'failed-host'];

/** hot holds 12 GiB on 10; a (6) must leave for cold, then c (4) may come from cold. */
const hotspot = () => cloud({
  hosts: { hot: { ram: 10 * GiB }, cold: { ram: 10 * GiB } },
  vms: { a: { ram: 6 * GiB }, b: { ram: 6 * GiB }, c: { ram: 4 * GiB } },
  at: { a: 'hot', b: 'hot', c: 'cold' },
  to: { a: 'cold', c: 'hot' },
});
const wave = (...ms: Array<[string, string, string]>): Wave => ({ migrations: ms.map(([vm, from, to]) => ({ vm, from, to })) });

/** Every host that breaks a rule at the start receives nothing until a wave has left it within its rules. */
function arrivalsWhileOverloaded(p: Plan, doc: InstanceDoc, usable: (host: string) => number): string[] {
  const ramOf = new Map(doc.vms.map((v) => [v.name, v.demand!['ram']!]));
  const at = new Map(Object.entries(doc.placement));
  const load = (host: string) => [...at].filter(([, h]) => h === host).reduce((s, [vm]) => s + ramOf.get(vm)!, 0);
  const bad: string[] = [];
  for (const w of p.waves) {
    for (const m of w.migrations) if (load(m.to) > usable(m.to)) bad.push(`${m.vm} -> ${m.to}`);
    for (const m of w.migrations) at.set(m.vm, m.to);
  }
  return bad;
}

describe('an overloaded start', () => {
  it('is accepted with a warning naming the host, the rule, the resource, its load and its limit', async () => {
    const loaded = await load(hotspot());
    expect(loaded.warnings).toEqual(['host hot starts overloaded (rule capacity: ram load 12288 over limit 10240); it receives no migration until it satisfies its rules']);
    const r = await cli(['validate', '-'], JSON.stringify(hotspot()));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: host hot starts overloaded (rule capacity: ram load 12288 over limit 10240)');
  });

  it('is still refused when the target breaks a rule (exit 2, naming the target)', async () => {
    const doc = hotspot();
    doc.target = { c: 'hot' };
    const r = await cli(['validate', '-'], JSON.stringify(doc));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/target: the target breaks rule capacity: host hot ram: load 16384 exceeds usable 10240');
  });

  it('is planned: the overloaded host sends first, and receives only once within its rules; the notes say it started overloaded', async () => {
    const p = await plan(hotspot());
    expect(p.status).toBe('optimal');
    expect(wavesOf(p)).toEqual([['a:hot>cold'], ['c:cold>hot']]);
    expect(p.notes).toContain('warning: host hot starts overloaded (rule capacity: ram load 12288 over limit 10240); it receives no migration until it satisfies its rules');
  });

  it('counts anti-affinity too: a host holding two members of a group only sends until one has left', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 8 * GiB }, h2: { ram: 8 * GiB } },
      vms: { x: { demand: { ram: 1 * GiB }, group: 'g' }, y: { demand: { ram: 1 * GiB }, group: 'g' }, z: { ram: 1 * GiB } },
      at: { x: 'h1', y: 'h1', z: 'h2' },
      to: { y: 'h2', z: 'h1' },
      policy: { rules: ['anti-affinity'] },
    });
    expect((await load(doc)).warnings[0]).toContain('host h1 starts overloaded (rule anti-affinity: host h1 holds x and y of group g)');
    const p = await plan(doc);
    expect(wavesOf(p)).toEqual([['y:h1>h2'], ['z:h2>h1']]);
  });

  it('is proven infeasible when the overloaded host would have to receive before it can send', async () => {
    // b can leave hot only once c has left cold, and c may arrive at hot only once b has left it.
    const doc = cloud({
      hosts: { hot: { ram: 10 * GiB }, cold: { ram: 8 * GiB } },
      vms: { a: { ram: 6 * GiB }, b: { ram: 6 * GiB }, c: { ram: 4 * GiB } },
      at: { a: 'hot', b: 'hot', c: 'cold' },
      to: { b: 'cold', c: 'hot' },
    });
    const p = await plan(doc);
    expect(p.status).toBe('infeasible');
    expect(p.explanation).toContain('c cannot move cold -> hot: host hot started overloaded and still breaks a rule, so it receives nothing yet');
    expect((await plan(doc, { engine: { name: 'exact' } })).status).toBe('infeasible');
  });
});

/** A user rule "ban": the first VM may not be on the first host; its violation names the host or not. */
function banPlugin(namesHost: boolean, manifest: Record<string, unknown> = {}): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'plugins', 'ban.json'), JSON.stringify({ name: 'ban', kind: 'rule', module: './ban.js', ...manifest }));
  writeFileSync(join(dir, 'plugins', 'ban.js'), `export default { create(options, { model }) { return {
    name: 'ban',
    check(state, hosts) {
      const on = [...(hosts ?? model.hosts.map((_, h) => h))].includes(0) && [...state.vmsOn(0)].includes(0);
      return on ? [{ rule: 'ban', vm: model.vms[0].name, ${namesHost ? 'host: model.hosts[0].name, ' : ''}message: 'VM ' + model.vms[0].name + ' is banned from ' + model.hosts[0].name }] : [];
    },
    admits: (state, vm, host) => !(vm === 0 && host === 0),
  }; } };`);
  return join(dir, 'plugins');
}

describe('start violations that no host can repair', () => {
  const banned = () => cloud({
    hosts: { h1: { ram: 8 }, h2: { ram: 8 } }, vms: { v: { ram: 1 } }, at: { v: 'h1' }, to: { v: 'h2' }, policy: { rules: ['ban'] },
  });

  it('refuses a start violation that names no host (exit 2): it cannot be charged to a host that only sends', async () => {
    await expect(loadInstance(banned(), { pluginDirs: [banPlugin(false)], source: 'test' }))
      .rejects.toThrow('/placement: the placement breaks rule ban: VM v is banned from h1 (the violation names no host, so no host can repair it by sending VMs away)');
  });

  it('accepts the same violation when it names its host, and plans it', async () => {
    const loaded = await loadInstance(banned(), { pluginDirs: [banPlugin(true)], source: 'test' });
    expect(loaded.warnings).toEqual(['host h1 starts overloaded (rule ban: VM v is banned from h1); it receives no migration until it satisfies its rules']);
    expect(moves(await solveLoaded(loaded))).toEqual(['v:h1>h2']);
  });

  it('refuses an overloaded start under a rule that is not monotone (exit 2)', async () => {
    await expect(loadInstance(banned(), { pluginDirs: [banPlugin(true, { monotone: false })], source: 'test' }))
      .rejects.toThrow('(an overloaded start is refused under rule ban, which is not monotone)');
  });
});

describe('the verifier on an overloaded start', () => {
  it('rejects a migration into the overloaded host, naming it', async () => {
    const { problem } = await load(hotspot());
    const check = verifyPlan(problem, [wave(['c', 'cold', 'hot']), wave(['a', 'hot', 'cold'])]);
    expect(check.valid).toBe(false);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'overload', host: 'hot', vm: 'c', wave: 1 }));
  });

  it('rejects an arrival in the same wave as the departure that repairs the host (the host is repaired only once the wave ends)', async () => {
    const { problem } = await load(hotspot());
    const check = verifyPlan(problem, [wave(['a', 'hot', 'cold'], ['c', 'cold', 'hot'])]);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'overload', host: 'hot', vm: 'c' }));
  });

  it('accepts a host repaired mid-plan receiving afterwards, and the start violation is not reported', async () => {
    const { problem } = await load(hotspot());
    const check = verifyPlan(problem, [wave(['a', 'hot', 'cold']), wave(['c', 'cold', 'hot'])]);
    expect(check).toMatchObject({ valid: true, violations: [] });
  });

  it('holds a repaired host to its rules: once within them it may not go over again', async () => {
    const doc = cloud({
      hosts: { hot: { ram: 10 * GiB }, cold: { ram: 20 * GiB } },
      vms: { a: { ram: 6 * GiB }, b: { ram: 6 * GiB }, c: { ram: 6 * GiB } },
      at: { a: 'hot', b: 'hot', c: 'cold' },
      to: { a: 'cold' },
    });
    const { problem } = await load(doc);
    // hot is repaired after wave 1 (6 GiB), then c would put it at 12 GiB again.
    const check = verifyPlan(problem, [wave(['a', 'hot', 'cold']), wave(['c', 'cold', 'hot']), wave(['c', 'hot', 'cold'])]);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'capacity', host: 'hot', wave: 2 }));
  });

  it('keeps every other host within its rules while the overloaded one sends', async () => {
    const doc = cloud({
      hosts: { hot: { ram: 10 * GiB }, small: { ram: 4 * GiB }, big: { ram: 8 * GiB } },
      vms: { a: { ram: 6 * GiB }, b: { ram: 6 * GiB } },
      at: { a: 'hot', b: 'hot' },
      to: { a: 'big' },
    });
    const { problem } = await load(doc);
    const check = verifyPlan(problem, [wave(['a', 'hot', 'small']), wave(['a', 'small', 'big'])]);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'capacity', host: 'small', phase: 'during', wave: 1 }));
  });

  it('checks a dependency graph: the arrival must wait for the departure that repairs the host', async () => {
    const { problem } = await load(hotspot());
    const waves = [wave(['a', 'hot', 'cold']), wave(['c', 'cold', 'hot'])];
    expect(verifyDependencies(problem, waves, [[], [0]]).valid).toBe(true);
    const loose = verifyDependencies(problem, waves, [[], []]);
    expect(loose.valid).toBe(false);
    expect(loose.violations[0]!.message).toContain('host hot ram');
  });
});

describe('the plans of the overloaded fixtures', () => {
  const usableOf = (doc: InstanceDoc) => (host: string) => {
    const h = doc.hosts.find((x) => x.name === host)!;
    return (h.capacity!['ram']! - (h.reserved?.['ram'] ?? 0)) * (h.allocationRatio?.['ram'] ?? 1);
  };

  for (const name of FIXTURES) {
    for (const engine of ['heuristic', 'exact'] as const) {
      it(`${name}: the ${engine} engine finds a verified plan that ends on the target and never sends to a host over its RAM`, async () => {
        const doc = fixture(name);
        const p = await plan(doc, { engine: { name: engine } });
        expect(p.status).toBe('optimal');
        expect(arrivalsWhileOverloaded(p, doc, usableOf(doc))).toEqual([]);
        expect(p.notes!.some((n) => n.includes('starts overloaded'))).toBe(true);
        // The schedule's graph is verified too: every order it allows keeps the semantics.
        const { problem } = await load(doc);
        expect(verifyDependencies(problem, p.waves, p.waves.flatMap((w) => w.migrations.map((m) => m.after ?? []))).valid).toBe(true);
      });
    }
  }

  it('hotspot: c reaches cmp-1 only after a3 has left it', async () => {
    const p = await plan(fixture('hotspot'));
    const order = moves(p);
    expect(order.indexOf('c2:cmp-3>cmp-1')).toBeGreaterThan(order.indexOf('a3:cmp-1>cmp-4'));
    const flat = p.waves.flatMap((w) => w.migrations);
    const c2 = flat.find((m) => m.vm === 'c2')!;
    expect(c2.after).toContain(flat.findIndex((m) => m.vm === 'a3'));
  });

  it('both engines agree on the cost of every fixture', async () => {
    for (const name of FIXTURES) {
      const heuristic = await plan(fixture(name));
      const exact = await plan(fixture(name), { engine: { name: 'exact' } });
      expect(exact.cost).toBe(heuristic.cost);
    }
  });
});

describe('the command line on an overloaded start', () => {
  it('plan --json carries the warning in its notes, and verify accepts the plan', async () => {
    const input = JSON.stringify(fixture('failed-host'));
    const r = await cli(['plan', '-', '--json'], input);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as Plan;
    expect(p.notes).toEqual(expect.arrayContaining([
      'warning: host cmp-1 starts overloaded (rule capacity: ram load 36864 over limit 32768); it receives no migration until it satisfies its rules',
      'warning: host cmp-1 starts overloaded (rule anti-affinity: host cmp-1 holds f1 and f2 of group api); it receives no migration until it satisfies its rules',
    ]));
  });

  it('plan prints the start warning as a warning in its summary, not as a note', async () => {
    const r = await cli(['plan', '-'], JSON.stringify(hotspot()));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('warning: host hot starts overloaded (rule capacity: ram load 12288 over limit 10240); it receives no migration until it satisfies its rules');
    expect(r.stdout).not.toContain('note: warning:');
  });

  it('plan --strategy rebalance chooses a target for a hotspot (the placement is not checked as a target) and plans it', async () => {
    const r = await cli(['plan', '-', '--strategy', 'rebalance', '--json'], JSON.stringify(fixture('hotspot')));
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as Plan;
    expect(p.status).toBe('optimal');
    expect(p.waves.flatMap((w) => w.migrations).some((m) => m.from === 'cmp-1')).toBe(true);
  });

  it.each(['consolidate', 'sharing-aware'])('plan --strategy %s relieves the hotspot too (draining alone would keep it overloaded, so that candidate is set aside)', async (strategy) => {
    const r = await cli(['plan', '-', '--strategy', strategy, '--json'], JSON.stringify(fixture('hotspot')));
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as Plan;
    expect(p.status).toBe('optimal');
    expect(p.waves.flatMap((w) => w.migrations).some((m) => m.from === 'cmp-1')).toBe(true);
  });

  it('report draws the plan of an overloaded start (the hotspot stays above 100 % only until it has sent)', async () => {
    const dir = (await import('./helpers.js')).tempDir();
    const { writeFileSync, existsSync } = await import('node:fs');
    writeFileSync(join(dir, 'in.json'), JSON.stringify(fixture('hotspot')));
    expect((await cli(['plan', join(dir, 'in.json'), '--out', join(dir, 'plan.json')])).code).toBe(0);
    const r = await cli(['report', join(dir, 'in.json'), join(dir, 'plan.json'), '--out', join(dir, 'plan.html')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'plan.html'))).toBe(true);
  });

  it('verify rejects a hand-written plan that sends to the overloaded host first (exit 1)', async () => {
    const dir = (await import('./helpers.js')).tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'in.json'), JSON.stringify(hotspot()));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ status: 'feasible', engine: 'hand', cost: 0, lowerBound: null, stats: { moves: 2, waves: 2, seconds: 0 }, waves: [wave(['c', 'cold', 'hot']), wave(['a', 'hot', 'cold'])] }));
    const r = await cli(['verify', join(dir, 'in.json'), join(dir, 'plan.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[overload] wave 1: c migrates to hot, which is overloaded');
  });
});

describe('the overloaded fuzz family and the exact model', () => {
  it('generates starts that break a rule on some host, with targets that break none', async () => {
    for (let index = 0; index < 10; index++) {
      const { doc } = await generateInstance('overloaded', 1, index);
      const loaded = await load(doc); // the target is valid, or this throws
      expect(startViolations(loaded.problem).length).toBeGreaterThan(0);
      expect(loaded.warnings.some((w) => w.includes('starts overloaded'))).toBe(true);
    }
  });

  it('has the least cost the exhaustive oracle finds (or none when it finds none), and its plan verifies', async () => {
    let compared = 0;
    for (let index = 0; compared < 8 && index < 40; index++) {
      const { doc } = await generateInstance('overloaded', 3, index);
      const { problem, model } = await load(doc);
      if (model.vms.length > 6) continue;
      const truth = solveByOracle(problem);
      if (truth.status === 'gave-up') continue;
      compared++;
      // Every VM may detour; enough waves for the oracle's sequence one move at a time.
      const waves = truth.status === 'feasible' ? Math.max(2, truth.moves.length + 1) : 2 * model.vms.length + 1;
      const ip = new TimeIndexedModel(problem, { waves, classOf: () => 'flexible', costWeight: 1, waveWeight: 0 });
      const result = await getBackend('glpk').solve({ model: ip.toLinearModel('overload'), timeLimit: 20 });
      if (truth.status === 'infeasible') {
        expect(result.status, `instance ${index}`).toBe('infeasible');
        continue;
      }
      expect(ip.impossible, `instance ${index}`).toEqual([]);
      expect(result.status, `instance ${index}`).toBe('optimal');
      expect(result.objective).toBeCloseTo(truth.optimum, 6);
      const named = ip.decode(result.values!).map((w) => ({ migrations: w.map((m) => ({ vm: model.vms[m.vm]!.name, from: model.hosts[m.from]!.name, to: model.hosts[m.to]!.name })) }));
      expect(verifyPlan(problem, named).violations).toEqual([]);
    }
    expect(compared).toBe(8);
  });
});

/**
 * The least number of waves of any plan costing at most `budget`, by breadth-first search over
 * waves (a wave: any set of moves), the replay verifier judging each prefix; independent of the
 * engines. Tiny instances only (hosts ^ VMs successors per placement).
 */
function leastWaves(problem: Problem, budget: number, maxDepth: number): number {
  const { model, cost } = problem;
  const V = model.vms.length;
  const H = model.hosts.length;
  const goal = model.target.join(',');
  let level = new Map([[model.placement.join(','), { at: Array.from(model.placement), spent: 0, path: [] as Wave[] }]]);
  for (let depth = 1; depth <= maxDepth && level.size; depth++) {
    const next: typeof level = new Map();
    for (const { at, spent, path } of level.values()) {
      for (let code = 1; code < H ** V; code++) {
        const dest = Array.from({ length: V }, (_, v) => Math.floor(code / H ** v) % H);
        const moved = dest.map((h, v) => (h === at[v] ? -1 : v)).filter((v) => v >= 0);
        if (!moved.length) continue;
        const paid = spent + moved.reduce((s, v) => s + cost.cost(v, at[v]!, dest[v]!), 0);
        if (paid > budget + 1e-9) continue;
        const key = dest.join(',');
        if ((next.get(key)?.spent ?? Infinity) <= paid) continue;
        const waves = [...path, { migrations: moved.map((v) => ({ vm: model.vms[v]!.name, from: model.hosts[at[v]!]!.name, to: model.hosts[dest[v]!]!.name })) }];
        if (verifyPlan(problem, waves).violations.some((x) => x.phase !== 'end')) continue;
        next.set(key, { at: dest, spent: paid, path: waves });
      }
    }
    if (next.has(goal)) return depth;
    level = next;
  }
  return Infinity;
}

describe('the exact engine proving waves on an overloaded start', () => {
  it('proves by its integer program the least number of waves a search over every wave finds', async () => {
    for (const index of [199, 252]) {
      const { doc } = await generateInstance('overloaded', 1, index);
      const p = await plan(doc, { engine: { name: 'exact' } });
      const proof = (p.stats.exact as { proof: { waves: { by?: string; proven: boolean } } }).proof.waves;
      expect(proof).toMatchObject({ proven: true, by: 'mip' });
      const { problem } = await load(doc);
      expect(leastWaves(problem, p.cost!, p.stats.waves + 1), `instance ${index}`).toBe(p.stats.waves);
    }
  });
});
