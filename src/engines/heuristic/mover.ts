/** A placement state plus the questions planners ask of it: may this VM go there now? */
import type { Problem, SanityRule } from '../../plugin-api.js';
import { PlacementState } from '../../model/state.js';
import { breaksRule, overloadedAtStart } from '../../verify/overload.js';

export class Mover {
  readonly state: PlacementState;
  private readonly rules: readonly SanityRule[];
  private readonly frozen: Uint8Array;
  /** Hosts that break a rule at the start (overload.ts): no arrival while they still do. */
  private readonly overloaded: Uint8Array;

  constructor(readonly problem: Problem, placement?: Int32Array) {
    this.state = new PlacementState(problem.model, problem.usable, placement);
    this.rules = problem.rules;
    this.frozen = new Uint8Array(problem.model.vms.length);
    this.overloaded = overloadedAtStart(problem);
    for (const rule of this.rules) {
      if (!rule.movable) continue;
      for (let v = 0; v < this.frozen.length; v++) if (!rule.movable(v)) this.frozen[v] = 1;
    }
  }

  movable(vm: number): boolean {
    return this.frozen[vm] === 0;
  }

  /** Every rule admits the VM on the host, given what is already in flight; a disabled or still overloaded host admits no arrival. */
  admits(vm: number, host: number): boolean {
    if (this.problem.model.hosts[host]!.disabled) return false;
    for (const rule of this.rules) if (!rule.admits(this.state, vm, host)) return false;
    return !this.overloaded[host] || !breaksRule(this.rules, this.state, host);
  }

  /** The wave still has a concurrency slot for a migration from -> to. */
  slotFree(from: number, to: number): boolean {
    const s = this.state;
    const { hosts, maxPerWave } = this.problem.model;
    return s.outgoingOf(from) < hosts[from]!.maxOutgoing
      && s.incomingOf(to) < hosts[to]!.maxIncoming
      && s.inFlight.length < maxPerWave;
  }

  /** Starts the migration if it is allowed now; says whether it did. */
  tryMove(vm: number, to: number): boolean {
    const from = this.state.hostOf(vm);
    if (from === to || this.state.destinationOf(vm) >= 0 || !this.movable(vm)) return false;
    if (!this.slotFree(from, to) || !this.admits(vm, to)) return false;
    this.state.beginMove(vm, to);
    return true;
  }
}
