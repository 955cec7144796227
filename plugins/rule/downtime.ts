import type { LiveDowntime, PluginModule, SanityRule, Violation } from '../../src/sdk.js';
import { allHosts, liveDowntime } from '../../src/sdk.js';
import { downtimeFormulation } from './downtime.formulation.js';

const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;

/**
 * A VM with sla.maxDowntimeMs moves live only where its pre-copy estimate converges within
 * that pause at the worst-case bandwidth of its path (src/schedule/downtime.ts): the estimate
 * then holds in any order the plan's limits allow. A VM in flight on a move its SLA does not
 * allow is the state's violation.
 */
const downtime: PluginModule<SanityRule> = {
  create(_options, { model, services }) {
    const durations = services.durationOptions();
    const H = model.hosts.length;
    const cache = new Map<number, Map<number, LiveDowntime>>();
    const estimate = (vm: number, from: number, to: number): LiveDowntime | undefined => {
      const sla = model.vms[vm]!.sla.maxDowntimeMs;
      if (sla === undefined) return undefined;
      let byRoute = cache.get(vm);
      if (!byRoute) cache.set(vm, (byRoute = new Map()));
      let e = byRoute.get(from * H + to);
      if (!e) byRoute.set(from * H + to, (e = liveDowntime(model, vm, from, to, sla, durations)));
      return e;
    };
    // A VM not placed yet (a target strategy's draft) makes no live move.
    const live = (vm: number, from: number, to: number) => from === to || from < 0 || (estimate(vm, from, to)?.converged ?? true);
    const describe = (vm: number, from: number, to: number): string => {
      const e = estimate(vm, from, to)!;
      const name = model.vms[vm]!.name;
      return `${name} cannot move live ${model.hosts[from]!.name} -> ${model.hosts[to]!.name}: estimated downtime ${ms(e.downtime)} `
        + `(at ${e.bandwidth.toFixed(1)} MiB/s, the least its path may get) exceeds its SLA of ${ms(e.allowed)}`;
    };
    return {
      name: 'downtime',
      formulation: downtimeFormulation(model, live),
      check(state, hosts) {
        const out: Violation[] = [];
        for (const h of hosts ?? allHosts(model)) {
          for (const v of state.vmsOn(h)) {
            // Reported once, at the destination.
            if (state.destinationOf(v) !== h || live(v, state.hostOf(v), h)) continue;
            out.push({ rule: 'downtime', vm: model.vms[v]!.name, host: model.hosts[h]!.name, message: describe(v, state.hostOf(v), h) });
          }
        }
        return out;
      },
      admits(state, vm, host) {
        return state.destinationOf(vm) >= 0 || live(vm, state.hostOf(vm), host);
      },
      admitsLive: live,
    };
  },
};
export default downtime;
