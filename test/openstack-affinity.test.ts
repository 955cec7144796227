/**
 * The affinity rule (Nova's hard affinity server groups): members share one host and stay
 * there, since live migration moves them one at a time and Nova refuses a destination
 * without the other members.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../src/model/model.js';
import { PlacementState } from '../src/model/state.js';
import { createKernel } from '../src/kernel/kernel.js';
import type { PluginRef } from '../src/model/instance.js';
import { cloud, plan, type CloudSpec } from './helpers.js';
import { disagreements } from './rule-agreement.js';

function world(spec: CloudSpec, rules: PluginRef[]) {
  const model = compileModel(cloud(spec));
  const configured = createKernel().configure({ rules }, model);
  const state = new PlacementState(model, configured.problem.usable);
  const rule = configured.problem.rules.find((r) => r.name === 'affinity')!;
  return { model, state, rule, vm: (n: string) => model.vmIndex.get(n)!, host: (n: string) => model.hostIndex.get(n)! };
}

const pair: CloudSpec = {
  hosts: { h1: { ram: 16 }, h2: { ram: 16 } },
  vms: { a: { demand: { ram: 4 }, group: 'g' }, b: { demand: { ram: 4 }, group: 'g' }, c: { demand: { ram: 4 }, group: 'solo' }, d: { ram: 4 } },
  at: { a: 'h1', b: 'h1', c: 'h1', d: 'h1' },
};

describe('affinity', () => {
  it('accepts a group on one host and reports a group spread over two', () => {
    expect(world(pair, ['affinity']).rule.check(world(pair, ['affinity']).state)).toEqual([]);
    const apart = world({ ...pair, at: { ...pair.at, b: 'h2' } }, ['affinity']);
    expect(apart.rule.check(apart.state).map((v) => v.message)).toEqual([
      'affinity group g is spread over h1, h2: VM a is on h1',
      'affinity group g is spread over h1, h2: VM b is on h2',
    ]);
  });

  it('counts a migrating member on both hosts, so a member of a group of two never moves; a group of one does', () => {
    const w = world(pair, ['affinity']);
    expect(w.rule.admits(w.state, w.vm('a'), w.host('h2'))).toBe(false);
    expect(w.rule.admits(w.state, w.vm('c'), w.host('h2'))).toBe(true);
    expect(w.rule.admits(w.state, w.vm('d'), w.host('h2'))).toBe(true);
    w.state.beginMove(w.vm('a'), w.host('h2'));
    expect(w.rule.check(w.state)).not.toEqual([]);
  });

  it('applies only to the listed groups when given', () => {
    const w = world({ ...pair, at: { ...pair.at, b: 'h2' } }, [{ name: 'affinity', options: { groups: ['other'] } }]);
    expect(w.rule.check(w.state)).toEqual([]);
  });

  it('admits() agrees with check()', () => {
    const w = world(pair, ['affinity']);
    expect(disagreements(w.rule, w.state, w.model)).toEqual([]);
  });

  it('lets the planner move everything around a group but the group itself, with both engines', async () => {
    const doc = cloud({ ...pair, to: { d: 'h2', c: 'h2' }, policy: { rules: ['affinity'] } });
    for (const engine of ['heuristic', 'exact']) {
      const p = await plan(doc, { engine });
      expect(p.status).toBe('optimal');
      expect(p.waves.flatMap((w) => w.migrations.map((m) => m.vm)).sort()).toEqual(['c', 'd']);
    }
    const moved = await plan(cloud({ ...pair, to: { a: 'h2', b: 'h2' }, policy: { rules: ['affinity'] } }));
    expect(moved.status).toBe('infeasible');
  });
});
