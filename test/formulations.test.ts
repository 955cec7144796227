/**
 * Each rule's linear rows say the same as its state check: an assignment (a wave
 * of migrations encoded as variable values) breaks the rule's rows exactly when
 * the rule's check finds a violation in that wave's in-flight state (one not charged to
 * a host the start already overloads) or the wave sends a VM to an overloaded host.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PluginRef } from '../src/model/instance.js';
import { compileModel } from '../src/model/model.js';
import { createKernel } from '../src/kernel/kernel.js';
import { PlacementState } from '../src/model/state.js';
import { TimeIndexedModel, type VmClass } from '../src/exact/time-indexed.js';
import type { Move } from '../src/plan/moves.js';

const kernel = createKernel();

const situation = fc.record({
  hosts: fc.array(fc.record({ ram: fc.integer({ min: 2, max: 10 }), zone: fc.constantFrom('a', 'b') }), { minLength: 2, maxLength: 4 }),
  vms: fc.array(fc.record({ ram: fc.integer({ min: 1, max: 5 }), group: fc.integer({ min: 0, max: 2 }), at: fc.nat(), to: fc.nat(), moves: fc.boolean(), flexible: fc.boolean() }), { minLength: 1, maxLength: 6 }),
});

/**
 * Every registered rule with a linear formulation, from the kernel's registry (a new built-in
 * is covered without editing this file), with the options its manifest gives for tests
 * ("x-test-options") or its defaults.
 */
const probe = compileModel({ hosts: [{ name: 'h0', capacity: { ram: 1 } }], vms: [{ name: 'v0', demand: { ram: 1 } }], placement: { v0: 'h0' } });
export const testRef = (name: string): PluginRef => {
  const options = kernel.manifest('rule', name)?.['x-test-options' as 'defaults'];
  return options ? { name, options } : name;
};
const RULES: Record<string, PluginRef> = Object.fromEntries(kernel.names('rule')
  .filter((name) => kernel.configure({ rules: name === 'capacity' ? [] : [testRef(name)] }, probe).problem.rules.find((r) => r.name === name)?.formulation)
  .map((name) => [name, testRef(name)]));

it('finds the formulated rules in the registry', () => {
  expect(Object.keys(RULES)).toContain('capacity');
});

describe.each(Object.entries(RULES))('the %s rule', (name, ref) => {
  it('is broken by its rows exactly when its state check reports a violation during the wave', () => {
    fc.assert(fc.property(situation, (s) => {
      const H = s.hosts.length;
      const doc: InstanceDoc = {
        hosts: s.hosts.map((h, i) => ({ name: `h${i}`, capacity: { ram: h.ram }, zone: h.zone })),
        vms: s.vms.map((v, i) => ({ name: `v${i}`, demand: { ram: v.ram }, group: `g${v.group}` })),
        placement: Object.fromEntries(s.vms.map((v, i) => [`v${i}`, `h${v.at % H}`])),
      };
      const wave: Move[] = [];
      const target: Record<string, string> = {};
      s.vms.forEach((v, i) => {
        const from = v.at % H;
        const to = v.to % H;
        if (v.moves && to !== from) wave.push({ vm: i, from, to });
        target[`v${i}`] = `h${v.moves && to !== from ? to : from}`;
      });
      doc.target = target;
      const model = compileModel(doc);
      const { problem } = kernel.configure({ rules: name === 'capacity' ? [] : [ref] }, model);
      const rule = problem.rules.find((r) => r.name === name)!;
      const state = new PlacementState(model, problem.usable);
      // Hosts that break the rule at the start are overloaded: they may keep their violations
      // while they only send, and receive nothing (src/verify/overload.ts).
      const overloaded = new Set(rule.check(state).map((v) => v.host));
      for (const m of wave) state.beginMove(m.vm, m.to);
      const checkSays = wave.some((m) => overloaded.has(`h${m.to}`)) || rule.check(state).some((v) => !overloaded.has(v.host));

      // Movers flexible or direct, the rest fixed or flexible, at random; two waves, the second empty.
      const classOf = (v: number): VmClass => {
        const moving = wave.some((m) => m.vm === v);
        return s.vms[v]!.flexible ? 'flexible' : moving ? 'direct' : 'fixed';
      };
      const ip = new TimeIndexedModel({ ...problem, rules: [rule] }, { waves: 2, classOf, costWeight: 1, waveWeight: 1 });
      // allows() prunes hosts the rule forbids outright: such a wave cannot even be encoded.
      const values = ip.encode(wave.length ? [wave] : []);
      const rowsSay = values === undefined || ip.impossible.some((n) => n.startsWith(name)) || ip.brokenRows(values, (r) => r.name.startsWith(name) || r.name.startsWith('overloaded')).length > 0;
      expect(rowsSay).toBe(checkSays);
    }), { numRuns: 400 });
  });
});
