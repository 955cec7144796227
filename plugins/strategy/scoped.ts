/**
 * scoped: any strategy (a user's included, created through the kernel), restricted to the VMs selected by name (globs),
 * anti-affinity group, image (globs) or current host (globs); a VM is selected when
 * it matches any criterion given. The others stay where they are.
 *
 * The restriction is a rule added to the problem the inner strategy sees ("scope":
 * an unselected VM is not movable and admitted only on its own host, with the linear
 * form of a pin for the exact model), so the inner strategy honours it the way it
 * honours every rule; the result is checked once more.
 */
import type { PlacementStrategy, PluginContext, PluginModule, Problem, SanityRule, Violation } from '../../src/sdk.js';
import type { PluginRef } from '../../src/sdk.js';
import { InputError } from '../../src/sdk.js';
import { allHosts, globToRegExp } from '../../src/sdk.js';
import { checkedTarget, NoTargetError, notesOf, type ReportingStrategy } from '../../src/sdk.js';

export interface ScopedOptions {
  strategy: PluginRef;
  vms?: string[];
  groups?: string[];
  images?: string[];
  hosts?: string[];
}

/** Which VMs the options select. */
export function selectVms(context: PluginContext, options: ScopedOptions): Uint8Array {
  const { model } = context;
  const globs = (list?: string[]) => (list ?? []).map(globToRegExp);
  const names = globs(options.vms);
  const images = globs(options.images);
  const hosts = globs(options.hosts);
  const groups = new Set(options.groups ?? []);
  const selected = new Uint8Array(model.vms.length);
  model.vms.forEach((vm, v) => {
    const host = model.hosts[model.placement[v]!]!.name;
    if (names.some((p) => p.test(vm.name)) || (vm.group !== undefined && groups.has(vm.group))
      || (vm.image !== undefined && images.some((p) => p.test(vm.image!))) || hosts.some((p) => p.test(host))) selected[v] = 1;
  });
  return selected;
}

/** Unselected VMs stay on their placement host. */
export function scopeRule(problem: Problem, selected: Uint8Array): SanityRule {
  const { model } = problem;
  const stays = (v: number) => selected[v] === 0;
  return {
    name: 'scope',
    formulation: { allows: (v, h) => !stays(v) || h === model.placement[v], addRows() { /* allows() fixes them */ } },
    check(state, hosts) {
      const out: Violation[] = [];
      for (const h of hosts ?? allHosts(model)) {
        for (const v of state.vmsOn(h)) {
          if (stays(v) && h !== model.placement[v]) {
            out.push({ rule: 'scope', vm: model.vms[v]!.name, host: model.hosts[h]!.name, message: `VM ${model.vms[v]!.name} is outside the scope and must stay on ${model.hosts[model.placement[v]!]!.name}` });
          }
        }
      }
      return out;
    },
    admits: (_state, v, h) => !stays(v) || h === model.placement[v],
    movable: (v) => !stays(v),
  };
}

const scoped: PluginModule<ReportingStrategy> = {
  create(raw, context) {
    const options = raw as unknown as ScopedOptions;
    const ref = options.strategy;
    const name = typeof ref === 'string' ? ref : ref.name;
    if (!context.services.names('strategy').includes(name)) {
      throw new InputError('scoped', [{ path: '/options/strategy', message: `unknown strategy "${name}" to scope (known: ${context.services.names('strategy').filter((n) => n !== 'scoped').join(', ')})` }]);
    }
    if (![options.vms, options.groups, options.images, options.hosts].some((l) => l && l.length)) {
      throw new InputError('scoped', [{ path: '/options', message: 'select VMs with at least one of vms, groups, images, hosts' }]);
    }
    // Through the kernel, like any policy's plugin: a user's strategy is wrapped the same way.
    let inner: PlacementStrategy;
    try {
      inner = context.services.createPlugin<PlacementStrategy>('strategy', ref, '/options/strategy');
    } catch (e) {
      if (e instanceof InputError) throw new InputError('scoped', e.issues.map((i) => ({ ...i, message: i.message.replace(/^plugin /, 'strategy ') })));
      throw e;
    }
    const selected = selectVms(context, options);
    const count = selected.reduce((n, s) => n + s, 0);
    let notes: string[] = [];
    return {
      name: 'scoped',
      get notes() { return notes; },
      async choose(problem, run) {
        const restricted: Problem = { ...problem, rules: [...problem.rules, scopeRule(problem, selected)] };
        const target = await inner.choose(restricted, run);
        const { model } = problem;
        for (let v = 0; v < model.vms.length; v++) {
          if (!selected[v] && target[v] !== model.placement[v]) throw new NoTargetError(`scoped: strategy ${name} moved ${model.vms[v]!.name}, which is outside the scope`);
        }
        notes = [`scope: ${count} of ${model.vms.length} VMs selected for ${name}`, ...notesOf(inner)];
        return checkedTarget(problem, target, 'scoped');
      },
    };
  },
};
export default scoped;
