/**
 * The replay verifier. Independent of every engine: it takes a plan as names,
 * replays it wave by wave on a fresh state and asks every active rule about the
 * state before the first wave, during each wave (migrating VMs on both hosts) and
 * after it; it also checks concurrency limits, that each VM moves from where it
 * is, and that the end state is the target. It recomputes the plan's cost.
 * Disruptive actions (plan v2) are checked and applied by actions.ts; a shelve costs
 * nothing and its unshelve what moving the VM from the host it left would cost.
 */
import type { Problem, Violation } from '../plugin-api.js';
import type { Wave } from '../model/plan.js';
import type { Model } from '../model/model.js';
import { PlacementState } from '../model/state.js';
import { orderedViolations } from './ordered.js';
import { applyStep, isStepError } from './actions.js';
import { isLiveMove, WaveIndices } from './wave-indices.js';
import { OverloadTracker, startViolations } from './overload.js';
import { serviceLevelViolations } from './service-levels.js';

/**
 * The dependency graph's check (src/schedule/verify.ts): running the migrations in any
 * order the graph allows never breaks a rule or a concurrency limit.
 */
export { verifyDependencies, type DependencyCheck } from '../schedule/verify.js';

export interface VerifyResult {
  valid: boolean;
  violations: Violation[];
  /** Sum of the cost function over the migrations that could be replayed. */
  cost: number;
  moves: number;
}

export function verifyPlan(problem: Problem, waves: readonly Wave[]): VerifyResult {
  const replay = new PlanReplay(problem);
  waves.forEach((w, i) => replay.wave(w, i + 1));
  const { violations } = replay;
  // Service levels (group concurrency, move budgets, live moves): what a rule's own check already said is not repeated.
  const said = new Set(violations.map((x) => `${x.rule}|${x.wave}|${x.vm}`));
  for (const x of serviceLevelViolations(problem, waves)) if (!said.has(`${x.rule}|${x.wave}|${x.vm}`)) violations.push(x);
  replay.checkEnd();
  // Rules that are not monotone: the plan must also hold one migration at a time, in order.
  if (!violations.length) violations.push(...orderedViolations(problem, waves));
  return { valid: violations.length === 0, violations, cost: replay.cost, moves: replay.moves };
}

/** The replay of one plan: the state, what was found so far, the cost and moves counted. */
class PlanReplay {
  readonly violations: Violation[] = [];
  cost = 0;
  moves = 0;
  private readonly model: Model;
  private readonly state: PlacementState;
  /** Host each shelved VM left, for the cost of its unshelve. */
  private readonly shelvedFrom = new Map<number, number>();
  private readonly overloaded: OverloadTracker;
  // Host fields read for every migration, copied out of the host objects once.
  private readonly disabled: Uint8Array;
  private readonly maxOut: Float64Array;
  private readonly maxIn: Float64Array;
  /** Per host, the last wave that touched it (the wave's list keeps them in the order first touched). */
  private readonly touchedIn: Int32Array;
  private readonly names = new WaveIndices();

  constructor(private readonly problem: Problem) {
    const { model } = problem;
    this.model = model;
    this.state = new PlacementState(model, problem.usable);
    // Hosts that break a rule at the start are overloaded (overload.ts): excused while they only send.
    const start = startViolations(problem);
    this.overloaded = new OverloadTracker(problem, start);
    for (const v of start) if (!this.overloaded.excused(v)) this.violations.push({ ...v, phase: 'before' });
    this.disabled = Uint8Array.from(model.hosts, (h) => (h.disabled ? 1 : 0));
    this.maxOut = Float64Array.from(model.hosts, (h) => h.maxOutgoing);
    this.maxIn = Float64Array.from(model.hosts, (h) => h.maxIncoming);
    this.touchedIn = new Int32Array(model.hosts.length);
  }

  /** Replays wave number `wave` (from 1): its steps, its concurrency, the rules during and after it. */
  wave(w: Wave, wave: number): void {
    const { state } = this;
    const touched = this.applySteps(w, wave);
    this.checkConcurrency(touched, wave);
    const inFlight = state.inFlight.length;
    if (inFlight > this.model.maxPerWave) this.bad(wave, `${inFlight} migrations at once, limit ${this.model.maxPerWave} per wave`, { rule: 'concurrency', load: inFlight, limit: this.model.maxPerWave });
    if (w.migrations.length === 0) this.bad(wave, 'the wave is empty');
    this.check('during', wave, touched);
    state.finishWave();
    this.check('after', wave, touched);
    this.overloaded.settle(state, touched);
  }

  /** Checks and starts the wave's steps, in order; returns the hosts they touch, in the order first touched. */
  private applySteps(w: Wave, wave: number): number[] {
    const { problem, state, disabled, overloaded, touchedIn } = this;
    const { migrations } = w;
    const { vm: vms, from: froms, to: tos } = this.names.resolve(this.model, w);
    const touched: number[] = [];
    for (let i = 0; i < migrations.length; i++) {
      const m = migrations[i]!;
      const v = vms[i]!;
      const from = froms[i]!;
      const to = tos[i]!;
      // A live move between known hosts, from where the VM is: started here; anything else is checked by applyStep.
      if (isLiveMove(m, v, from, to) && state.hostOf(v) === from && !state.isBusy(v)) state.beginMove(v, to);
      else {
        // Resolved as here: a step it accepts has these indices.
        const step = applyStep(problem, state, m);
        if (isStepError(step)) { this.bad(wave, step.message, { vm: step.vm, host: step.host, ...(step.rule ? { rule: step.rule } : {}) }); continue; }
      }
      if (to >= 0 && disabled[to]) this.bad(wave, `${m.vm} migrates to ${m.to}, a disabled host (it receives no migration)`, { rule: 'disabled', vm: m.vm, host: m.to ?? undefined });
      if (to >= 0 && overloaded.has(to)) this.bad(wave, `${m.vm} migrates to ${m.to}, which is overloaded (it breaks a rule and receives no migration until it satisfies its rules)`, { rule: 'overload', vm: m.vm, host: m.to ?? undefined });
      if (from >= 0 && touchedIn[from] !== wave) { touchedIn[from] = wave; touched.push(from); }
      if (to >= 0 && touchedIn[to] !== wave) { touchedIn[to] = wave; touched.push(to); }
      if (to < 0) this.shelvedFrom.set(v, from);
      else this.cost += problem.cost.cost(v, from >= 0 ? from : this.shelvedFrom.get(v)!, to);
      this.moves++;
    }
    return touched;
  }

  private checkConcurrency(touched: readonly number[], wave: number): void {
    const { state, maxOut, maxIn } = this;
    for (const h of touched) {
      const out = state.outgoingOf(h);
      const inc = state.incomingOf(h);
      if (out <= maxOut[h]! && inc <= maxIn[h]!) continue;
      const host = this.model.hosts[h]!;
      if (out > host.maxOutgoing) this.bad(wave, `host ${host.name} sends ${out} migrations at once, limit ${host.maxOutgoing}`, { rule: 'concurrency', host: host.name, load: out, limit: host.maxOutgoing });
      if (inc > host.maxIncoming) this.bad(wave, `host ${host.name} receives ${inc} migrations at once, limit ${host.maxIncoming}`, { rule: 'concurrency', host: host.name, load: inc, limit: host.maxIncoming });
    }
  }

  private bad(wave: number, message: string, extra: Partial<Violation> = {}): void {
    this.violations.push({ rule: 'plan', message: `wave ${wave}: ${message}`, wave, phase: 'during', ...extra });
  }

  private check(phase: Violation['phase'], wave: number | undefined, hosts?: Iterable<number>): void {
    for (const rule of this.problem.rules) {
      for (const v of rule.check(this.state, hosts)) if (!this.overloaded.excused(v)) this.violations.push({ ...v, phase, ...(wave === undefined ? {} : { wave }) });
    }
  }

  /** Every VM ends on its target. */
  checkEnd(): void {
    const { model, state } = this;
    for (let v = 0; v < model.vms.length; v++) {
      const at = state.hostOf(v);
      if (at !== model.target[v]) {
        const vm = model.vms[v]!.name;
        const target = model.hosts[model.target[v]!]!.name;
        if (at < 0) this.violations.push({ rule: 'target', phase: 'end', vm, message: `${vm} ends shelved, its target is ${target}` });
        else this.violations.push({ rule: 'target', phase: 'end', vm, host: model.hosts[at]!.name, message: `${vm} ends on ${model.hosts[at]!.name}, its target is ${target}` });
      }
    }
  }
}

export function formatViolation(v: Violation): string {
  const where = v.phase === 'before' ? 'before the first wave' : v.phase === 'end' ? 'at the end' : v.wave !== undefined ? `${v.phase} wave ${v.wave}` : v.phase ?? '';
  return v.message.startsWith('wave ') ? `[${v.rule}] ${v.message}` : `[${v.rule}] ${where}: ${v.message}`;
}
