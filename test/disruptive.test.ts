/**
 * Disruptive actions (plan format v2): cold moves and shelving, only where the SLA and the
 * run's permission (--allow, policy allow) allow them, and only as few as needed.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { planMigrations, verifyAgainst } from '../src/api.js';
import { cloud, shunt, tempDir } from './helpers.js';

/** Two hosts, each full with one VM, swapping them; the spare host is too small for either. */
function impossibleSwap(sla: { a?: object; b?: object } = { a: { shelve: true }, b: { shelve: true } }): InstanceDoc {
  return cloud({
    hosts: { h1: { ram: 8192 }, h2: { ram: 8192 }, small: { ram: 2048 } },
    vms: { a: { demand: { ram: 8192 }, ...(sla.a ? { sla: sla.a } : {}) }, b: { demand: { ram: 8192 }, ...(sla.b ? { sla: sla.b } : {}) } },
    at: { a: 'h1', b: 'h2' },
    to: { a: 'h2', b: 'h1' },
  });
}

const steps = (p: Plan) => p.waves.map((w) => w.migrations.map((m) => `${m.action ?? 'live'} ${m.vm} ${m.from ?? '-'}>${m.to ?? '-'}`));

function writeDocs(doc: InstanceDoc, plan?: unknown): { instance: string; plan: string } {
  const dir = tempDir();
  const instance = join(dir, 'instance.json');
  const planFile = join(dir, 'plan.json');
  writeFileSync(instance, JSON.stringify(doc));
  if (plan !== undefined) writeFileSync(planFile, JSON.stringify(plan));
  return { instance, plan: planFile };
}

describe('the impossible swap (no third host large enough)', () => {
  it('is solved with exactly one shelve when shelving is allowed: shelve one VM, move the other, unshelve it', async () => {
    const { plan } = await planMigrations(impossibleSwap(), { allow: ['shelve'], source: 'test' });
    expect(plan.status).toBe('feasible');
    expect(plan.formatVersion).toBe(2);
    const flat = plan.waves.flatMap((w) => w.migrations);
    expect(flat.filter((m) => m.action === 'shelve')).toHaveLength(1);
    expect(flat.filter((m) => m.action === 'unshelve')).toHaveLength(1);
    const shelved = flat.find((m) => m.action === 'shelve')!.vm;
    const other = shelved === 'a' ? 'b' : 'a';
    expect(steps(plan)).toEqual([
      [`shelve ${shelved} ${shelved === 'a' ? 'h1' : 'h2'}>-`],
      [`live ${other} ${other === 'a' ? 'h1>h2' : 'h2>h1'}`],
      [`unshelve ${shelved} ->${shelved === 'a' ? 'h2' : 'h1'}`],
    ]);
    expect(plan.stats.disruption).toMatchObject({ vms: 1, shelve: 1, unshelve: 1, cold: 0 });
    expect(plan.stats.disruption!.downtime.total).toBeGreaterThan(0);
    const shelve = flat.find((m) => m.action === 'shelve')!;
    expect(shelve.estimatedDowntime).toBe(plan.stats.disruption!.downtime.shelve);
  });

  it('shelves only a VM whose sla allows it', async () => {
    const { plan } = await planMigrations(impossibleSwap({ b: { shelve: true } }), { allow: ['shelve'], source: 'test' });
    expect(plan.waves[0]!.migrations[0]).toMatchObject({ vm: 'b', action: 'shelve', from: 'h2', to: null });
  });

  it('the policy\'s allow permits it as the flag does', async () => {
    const doc = { ...impossibleSwap(), policy: { allow: ['shelve' as const] } };
    const { plan } = await planMigrations(doc, { source: 'test' });
    expect(plan.status).toBe('feasible');
    expect(plan.stats.disruption?.vms).toBe(1);
  });

  it('without permission exits 3 and says how many VMs would be disrupted and which flag permits it', async () => {
    const files = writeDocs(impossibleSwap());
    const r = await shunt('plan', files.instance);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/1 VM may be disrupted \(shelve: [ab]\): rerun with --allow shelve/);
  });

  it('with --allow shelve the command line prints a v2 plan that verify accepts', async () => {
    const files = writeDocs(impossibleSwap());
    const r = await shunt('plan', files.instance, '--allow', 'shelve', '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.formatVersion).toBe(2);
    writeFileSync(files.plan, r.stdout);
    const v = await shunt('verify', files.instance, files.plan);
    expect(v.code).toBe(0);
  });

  it('when no VM may be shelved, the flag changes nothing: still infeasible, without a hint', async () => {
    const files = writeDocs(impossibleSwap({}));
    const r = await shunt('plan', files.instance, '--allow', 'shelve');
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toMatch(/rerun with --allow/);
  });

  it('--allow names anything but cold and shelve as invalid input (exit 2)', async () => {
    const files = writeDocs(impossibleSwap());
    const r = await shunt('plan', files.instance, '--allow', 'shelve,delete');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--allow.*"delete"/);
  });

  it('the policy\'s allow is validated (exit 2 naming the path and the value)', async () => {
    const files = writeDocs({ ...impossibleSwap(), policy: { allow: ['reboot' as never] } });
    const r = await shunt('validate', files.instance);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/policy\/allow\/0/);
  });
});

describe('the verifier and plan v2', () => {
  const shelvePlan = (vm: 'a' | 'b') => {
    const [from, to, other, otherFrom] = vm === 'a' ? ['h1', 'h2', 'b', 'h2'] : ['h2', 'h1', 'a', 'h1'];
    return {
      formatVersion: 2,
      waves: [
        { migrations: [{ vm, action: 'shelve', from, to: null }] },
        { migrations: [{ vm: other, action: 'live', from: otherFrom, to: from }] },
        { migrations: [{ vm, action: 'unshelve', from: null, to }] },
      ],
    };
  };

  it('accepts a hand-written shelve plan for a VM whose sla allows shelving', async () => {
    const r = await verifyAgainst(impossibleSwap({ a: { shelve: true } }), shelvePlan('a'));
    expect(r.violations).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('rejects a shelve of a VM whose sla does not allow it', async () => {
    const r = await verifyAgainst(impossibleSwap({ a: { cold: true } }), shelvePlan('a'));
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => v.message).join('\n')).toMatch(/a may not be shelved: its sla does not say "shelve": true/);
  });

  it('rejects a plan that leaves a VM shelved', async () => {
    const plan = shelvePlan('a');
    plan.waves.pop();
    const r = await verifyAgainst(impossibleSwap(), plan);
    expect(r.violations.map((v) => v.message)).toContain('a ends shelved, its target is h2');
  });

  it('counts a shelving VM on its source during its wave', async () => {
    // b arrives on h1 in the very wave a leaves it: h1 holds both.
    const plan = { formatVersion: 2, waves: [
      { migrations: [{ vm: 'a', action: 'shelve', from: 'h1', to: null }, { vm: 'b', from: 'h2', to: 'h1' }] },
      { migrations: [{ vm: 'a', action: 'unshelve', from: null, to: 'h2' }] },
    ] };
    const r = await verifyAgainst(impossibleSwap(), plan);
    expect(r.valid).toBe(false);
    expect(r.violations.some((v) => v.rule === 'capacity' && v.host === 'h1' && v.wave === 1)).toBe(true);
  });

  it('counts an unshelving VM on its destination during its wave', async () => {
    const plan = { formatVersion: 2, waves: [
      { migrations: [{ vm: 'a', action: 'shelve', from: 'h1', to: null }] },
      { migrations: [{ vm: 'a', action: 'unshelve', from: null, to: 'h2' }, { vm: 'b', from: 'h2', to: 'h1' }] },
    ] };
    const r = await verifyAgainst(impossibleSwap(), plan);
    expect(r.violations.some((v) => v.rule === 'capacity' && v.host === 'h2' && v.wave === 2)).toBe(true);
  });

  it('rejects a cold move of a VM whose sla does not allow it, accepts it where it does', async () => {
    const doc = (sla: object) => cloud({ hosts: { h1: { ram: 8192 }, h2: { ram: 8192 } }, vms: { a: { demand: { ram: 4096 }, sla } }, at: { a: 'h1' }, to: { a: 'h2' } });
    const plan = { formatVersion: 2, waves: [{ migrations: [{ vm: 'a', action: 'cold', from: 'h1', to: 'h2' }] }] };
    expect((await verifyAgainst(doc({ shelve: true }), plan)).valid).toBe(false);
    expect((await verifyAgainst(doc({ cold: true }), plan)).valid).toBe(true);
  });

  it('a shelve must say "to": null and an unshelve "from": null (schema, exit 2 naming the path)', async () => {
    const files = writeDocs(impossibleSwap(), { waves: [{ migrations: [{ vm: 'a', action: 'shelve', from: 'h1', to: 'h2' }] }] });
    const r = await shunt('verify', files.instance, files.plan);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/waves\/0\/migrations\/0\/to/);
  });

  it('v1 plans (no formatVersion, no actions) still verify', async () => {
    const doc = cloud({ hosts: { h1: { ram: 8192 }, h2: { ram: 8192 } }, vms: { a: { ram: 4096 } }, at: { a: 'h1' }, to: { a: 'h2' } });
    const files = writeDocs(doc, { status: 'feasible', engine: 'heuristic', waves: [{ migrations: [{ vm: 'a', from: 'h1', to: 'h2' }] }], cost: 4096, lowerBound: 4096, stats: { moves: 1, waves: 1, seconds: 0 } });
    const r = await shunt('verify', files.instance, files.plan);
    expect(r.code).toBe(0);
  });
});

describe('more blocked parts than the smallest sets cover', () => {
  it('shelves one VM per independent part (four swaps in four zones), without claiming that is proven least', async () => {
    const hosts: Record<string, object> = {};
    const vms: Record<string, object> = {};
    const at: Record<string, string> = {};
    const to: Record<string, string> = {};
    for (let i = 0; i < 4; i++) {
      hosts[`h${2 * i}`] = { capacity: { ram: 8192 }, zone: `z${i}` };
      hosts[`h${2 * i + 1}`] = { capacity: { ram: 8192 }, zone: `z${i}` };
      vms[`a${i}`] = { demand: { ram: 8192 }, sla: { shelve: true } };
      vms[`b${i}`] = { demand: { ram: 8192 }, sla: { shelve: true } };
      Object.assign(at, { [`a${i}`]: `h${2 * i}`, [`b${i}`]: `h${2 * i + 1}` });
      Object.assign(to, { [`a${i}`]: `h${2 * i + 1}`, [`b${i}`]: `h${2 * i}` });
    }
    const doc = cloud({ hosts: hosts as never, vms: vms as never, at, to, policy: { rules: ['zone'] } });
    const { plan } = await planMigrations(doc, { allow: ['shelve'], source: 'test' });
    expect(plan.status).toBe('feasible');
    expect(plan.stats.disruption).toMatchObject({ vms: 4, shelve: 4, unshelve: 4, fewestProven: false });
  });
});

describe('the time limit', () => {
  it('holds for the disruptive fallback too: with no time left it searches nothing and says why', async () => {
    const { loadInstance } = await import('../src/api.js');
    const { disruptiveFallback } = await import('../src/plan/fallback.js');
    const loaded = await loadInstance(impossibleSwap(), { source: 'test' });
    const live: Plan = { status: 'unknown', engine: 'heuristic', waves: [], cost: null, lowerBound: null, stats: { moves: 0, waves: 0, seconds: 0 } };
    let loads = 0;
    const load = async () => { loads++; throw new Error('the fallback must not plan a reduced instance'); };
    const allowed = await disruptiveFallback(live, { problem: loaded.problem, engine: loaded.engine, load, allow: ['shelve'], timeLimit: 0 });
    expect(allowed.status).toBe('unknown');
    expect(allowed.explanation?.join('\n')).toMatch(/no time was left/);
    const hintOnly = await disruptiveFallback(live, { problem: loaded.problem, engine: loaded.engine, load, allow: [], timeLimit: 0 });
    expect(hintOnly).toBe(live);
    expect(loads).toBe(0);
  });
});
