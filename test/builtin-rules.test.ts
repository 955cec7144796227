/**
 * What every registered rule promises, checked on random small clouds: admits() says what
 * check() says, and the rule is monotone as its manifest claims (the load-time probe finds
 * nothing). The rules come from the kernel's registry, so a new built-in is covered as soon
 * as it is registered; options from its manifest's "x-test-options", else its defaults.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PluginRef } from '../src/model/instance.js';
import { compileModel } from '../src/model/model.js';
import { createKernel } from '../src/kernel/kernel.js';
import { PlacementState } from '../src/model/state.js';
import { probeMonotone } from '../src/kernel/monotone-probe.js';
import { disagreements } from './rule-agreement.js';

const kernel = createKernel();
const refOf = (name: string): PluginRef => {
  const options = kernel.manifest('rule', name)?.['x-test-options' as 'defaults'];
  return options ? { name, options } : name;
};

const cloudArb = fc.record({
  hosts: fc.array(fc.record({ ram: fc.integer({ min: 2, max: 12 }), zone: fc.constantFrom('a', 'b') }), { minLength: 2, maxLength: 4 }),
  vms: fc.array(fc.record({ ram: fc.integer({ min: 1, max: 5 }), group: fc.integer({ min: 0, max: 2 }), at: fc.nat(), to: fc.nat(), flying: fc.boolean() }), { minLength: 1, maxLength: 6 }),
});

interface Cloud { hosts: Array<{ ram: number; zone: string }>; vms: Array<{ ram: number; group: number; at: number; to: number; flying: boolean }> }

function situation(s: Cloud) {
  const H = s.hosts.length;
  const doc: InstanceDoc = {
    hosts: s.hosts.map((h, i) => ({ name: `h${i}`, capacity: { ram: h.ram }, zone: h.zone })),
    vms: s.vms.map((v, i) => ({ name: `v${i}`, demand: { ram: v.ram }, group: `g${v.group}`, image: 'sles-15/app' })),
    placement: Object.fromEntries(s.vms.map((v, i) => [`v${i}`, `h${v.at % H}`])),
    target: Object.fromEntries(s.vms.map((v, i) => [`v${i}`, `h${v.to % H}`])),
  };
  return compileModel(doc);
}

describe.each(kernel.names('rule'))('the registered rule %s', (name) => {
  const rulesOf = (model: ReturnType<typeof compileModel>) => {
    const { problem } = kernel.configure({ rules: [refOf(name)] }, model);
    return { problem, rule: problem.rules.find((r) => r.name === name)! };
  };

  it('admits a VM on a clean host exactly when beginning that move adds no violation', () => {
    fc.assert(fc.property(cloudArb, (s) => {
      const model = situation(s);
      const { problem, rule } = rulesOf(model);
      const state = new PlacementState(model, problem.usable);
      s.vms.forEach((v, i) => { if (v.flying && model.target[i] !== model.placement[i]) state.beginMove(i, model.target[i]!); });
      expect(disagreements(rule, state, model)).toEqual([]);
    }), { numRuns: 60 });
  });

  it('is monotone, or says otherwise in its manifest', () => {
    fc.assert(fc.property(cloudArb, (s) => {
      const model = situation(s);
      const { problem, rule } = rulesOf(model);
      if (kernel.manifest('rule', name)?.monotone === false) return;
      expect(probeMonotone(model, problem.usable, [rule], 16)).toBeUndefined();
    }), { numRuns: 60 });
  });
});
