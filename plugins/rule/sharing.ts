/**
 * The memory rule with page sharing: on every host, the effective load of the shared
 * resource (sum of demands minus the pages co-located VMs share, see
 * src/placement/sharing-tree.ts) stays within its usable amount, at every moment of a
 * plan. A VM in flight shares on its source; on its destination it counts in full
 * until its wave ends (option arrivals "full", the default: merging pages takes
 * time), or shares at once ("shared").
 *
 * The capacity rule counts the full demand; this rule declares the resource in
 * limitsResources, so the kernel has capacity leave it to this rule.
 */
import type { PluginModule, Violation } from '../../src/sdk.js';
import type { StateView } from '../../src/sdk.js';
import { exceeds } from '../../src/sdk.js';
import { allHosts } from '../../src/sdk.js';
import { sharingTree, type SharingOptions, type SharingRule } from '../../src/sdk.js';
import { fmt } from './capacity.js';

const sharing: PluginModule<SharingRule> = {
  create(options, { model, usable }) {
    if (!usable) throw new Error('sharing needs the usable amounts');
    const tree = sharingTree(model, options as unknown as SharingOptions);
    const r = tree.resource;
    const R = model.resources.length;
    const resource = (options as unknown as SharingOptions).resource;
    const limitOf = (h: number) => (r < 0 ? Infinity : usable[h * R + r]!);
    return {
      name: 'sharing',
      limitsResources: r < 0 ? [] : [resource],
      sharing: tree,
      limitOf,
      check(state: StateView, hosts?: Iterable<number>): Violation[] {
        if (r < 0) return [];
        const out: Violation[] = [];
        for (const h of hosts ?? allHosts(model)) {
          const max = limitOf(h);
          if (max === Infinity) continue;
          const load = tree.effective(state, h);
          if (exceeds(load, max)) {
            const host = model.hosts[h]!.name;
            out.push({
              rule: 'sharing', host, resource, load, limit: max,
              message: `host ${host} ${resource}: effective load ${fmt(load)} (after page sharing) exceeds usable ${fmt(max)}`,
            });
          }
        }
        return out;
      },
      admits(state: StateView, vm: number, host: number): boolean {
        if (r < 0) return true;
        const max = limitOf(host);
        if (max === Infinity) return true;
        const d = tree.demandOf(vm);
        if (tree.arrivals === 'full') return !exceeds(tree.effective(state, host) + d, max);
        const companions: number[] = [];
        for (const v of state.vmsOn(host)) if (v !== vm) companions.push(v);
        return !exceeds(tree.effective(state, host) + d - tree.marginal(vm, companions), max);
      },
      targetAdmits(state: StateView, vm: number, host: number): boolean {
        const max = limitOf(host);
        return max === Infinity || !exceeds(tree.targetLoad(state, vm, host), max);
      },
    };
  },
};
export default sharing;
