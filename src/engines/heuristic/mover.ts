/** A placement state plus the questions planners ask of it: may this VM go there now? */
import type { MigrationGroup, Problem, SanityRule } from '../../plugin-api.js';
import { PlacementState } from '../../model/state.js';
import { breaksRule, overloadedAtStart } from '../../verify/overload.js';

export class Mover {
  readonly state: PlacementState;
  /** Migrations each VM has made so far in the plan being built (its move budget's use); planners keep it. */
  readonly moved: Int32Array;
  private readonly rules: readonly SanityRule[];
  private readonly frozen: Uint8Array;
  /** Hosts that break a rule at the start (overload.ts): no arrival while they still do. */
  private readonly overloaded: Uint8Array;
  /** Per VM, the most migrations its rules allow (maxMoves); Infinity when none limits it. */
  private readonly budget: Float64Array;
  /** Some VM has a finite move budget / some VM is frozen: else admits and tryMove skip those reads. */
  private readonly budgeted: boolean;
  private readonly anyFrozen: boolean;
  /** Migration groups (rules' migrationGroups) and, per VM, the indices of its groups. */
  private readonly groups: readonly MigrationGroup[];
  private readonly groupsOf = new Map<number, number[]>();
  private readonly live: readonly SanityRule[];
  /** Per host, copied out of the model's host objects once: read for every candidate move. */
  private readonly disabled: Uint8Array;
  readonly maxOut: Float64Array;
  readonly maxIn: Float64Array;

  constructor(readonly problem: Problem, placement?: Int32Array, moved?: ArrayLike<number>) {
    const V = problem.model.vms.length;
    this.state = new PlacementState(problem.model, problem.usable, placement);
    this.rules = problem.rules;
    this.frozen = new Uint8Array(V);
    this.overloaded = overloadedAtStart(problem);
    this.moved = moved ? Int32Array.from(moved) : new Int32Array(V);
    this.budget = new Float64Array(V).fill(Infinity);
    for (const rule of this.rules) {
      if (rule.movable) for (let v = 0; v < V; v++) if (!rule.movable(v)) this.frozen[v] = 1;
      if (rule.maxMoves) for (let v = 0; v < V; v++) this.budget[v] = Math.min(this.budget[v]!, rule.maxMoves(v));
    }
    this.budgeted = this.budget.some((b) => b !== Infinity);
    this.anyFrozen = this.frozen.includes(1);
    this.groups = this.rules.flatMap((r) => r.migrationGroups ?? []);
    this.groups.forEach((g, i) => {
      for (const v of g.vms) {
        const list = this.groupsOf.get(v);
        if (list) list.push(i); else this.groupsOf.set(v, [i]);
      }
    });
    this.live = this.rules.filter((r) => r.admitsLive);
    const { hosts } = problem.model;
    this.disabled = Uint8Array.from(hosts, (h) => (h.disabled ? 1 : 0));
    this.maxOut = Float64Array.from(hosts, (h) => h.maxOutgoing);
    this.maxIn = Float64Array.from(hosts, (h) => h.maxIncoming);
  }

  movable(vm: number): boolean {
    return this.frozen[vm] === 0;
  }

  /** Migrations the VM may still make. */
  movesLeft(vm: number): number {
    return this.budget[vm]! - this.moved[vm]!;
  }

  /** The VM may still make a detour (a move elsewhere than its target and the move back). */
  canPark(vm: number): boolean {
    return this.movesLeft(vm) >= 2;
  }

  /**
   * Every rule admits the VM on the host, given what is already in flight; a disabled or still
   * overloaded host admits no arrival; a move must leave the VM enough of its move budget to reach its
   * target, and be one its service levels allow live.
   */
  admits(vm: number, host: number): boolean {
    if (this.disabled[host]) return false;
    const from = this.state.hostOf(vm);
    if (host !== from) {
      if (this.budgeted && this.movesLeft(vm) < (host === this.problem.model.target[vm] ? 1 : 2)) return false;
      if (!this.admitsLiveMove(vm, from, host)) return false;
    }
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (!rules[i]!.admits(this.state, vm, host)) return false;
    return !this.overloaded[host] || !breaksRule(this.rules, this.state, host);
  }

  /** Every rule's service levels allow the VM's live move from -> to (whatever else is in flight). */
  admitsLiveMove(vm: number, from: number, to: number): boolean {
    if (from === to) return true;
    for (let i = 0; i < this.live.length; i++) if (!this.live[i]!.admitsLive!(vm, from, to)) return false;
    return true;
  }

  /** The wave still has a concurrency slot for a migration from -> to (and, given the VM, in each of its migration groups). */
  slotFree(from: number, to: number, vm?: number): boolean {
    const s = this.state;
    return s.outgoingOf(from) < this.maxOut[from]!
      && s.incomingOf(to) < this.maxIn[to]!
      && s.inFlight.length < this.problem.model.maxPerWave
      && (vm === undefined || this.groups.length === 0 || this.groupSlotFree(vm));
  }

  /** Each of the VM's migration groups has fewer members in flight than its limit. */
  groupSlotFree(vm: number): boolean {
    const mine = this.groupsOf.get(vm);
    if (!mine) return true;
    for (const i of mine) {
      const g = this.groups[i]!;
      let n = 0;
      for (const u of this.state.inFlight) if (u !== vm && this.groupsOf.get(u)?.includes(i)) n++;
      if (n >= g.limit) return false;
    }
    return true;
  }

  /** Counts the migrations of a finished wave against the VMs' move budgets. */
  record(wave: readonly { vm: number }[]): void {
    for (const m of wave) this.moved[m.vm]!++;
  }

  /** Starts the migration if it is allowed now; says whether it did. */
  tryMove(vm: number, to: number): boolean {
    const from = this.state.hostOf(vm);
    if (from === to || this.state.destinationOf(vm) >= 0 || (this.anyFrozen && !this.movable(vm))) return false;
    if (!this.slotFree(from, to, vm) || !this.admits(vm, to)) return false;
    this.state.beginMove(vm, to);
    return true;
  }
}
