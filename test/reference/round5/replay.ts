/** The replay verifier as it was before issue 15's fifth round (helper "replay"), kept as the oracle of test/replay-equivalence.test.ts. Never edit it. */
/**
 * The replay verifier. Independent of every engine: it takes a plan as names,
 * replays it wave by wave on a fresh state and asks every active rule about the
 * state before the first wave, during each wave (migrating VMs on both hosts) and
 * after it; it also checks concurrency limits, that each VM moves from where it
 * is, and that the end state is the target. It recomputes the plan's cost.
 * Disruptive actions (plan v2) are checked and applied by actions.ts; a shelve costs
 * nothing and its unshelve what moving the VM from the host it left would cost.
 */
import type { Problem, Violation } from '../../../src/plugin-api.js';
import type { Wave } from '../../../src/model/plan.js';
import { PlacementState } from './replay-state.js';
import { orderedViolations } from '../../../src/verify/ordered.js';
import { applyStep, isStepError } from './replay-actions.js';
import { OverloadTracker, startViolations } from '../../../src/verify/overload.js';
import { serviceLevelViolations } from '../../../src/verify/service-levels.js';

/**
 * The dependency graph's check (src/schedule/verify.ts): running the migrations in any
 * order the graph allows never breaks a rule or a concurrency limit.
 */

export interface VerifyResult {
  valid: boolean;
  violations: Violation[];
  /** Sum of the cost function over the migrations that could be replayed. */
  cost: number;
  moves: number;
}

export function verifyPlan(problem: Problem, waves: readonly Wave[]): VerifyResult {
  const { model, rules } = problem;
  const state = new PlacementState(model, problem.usable);
  const violations: Violation[] = [];
  let cost = 0;
  let moves = 0;
  /** Host each shelved VM left, for the cost of its unshelve. */
  const shelvedFrom = new Map<number, number>();
  // Hosts that break a rule at the start are overloaded (overload.ts): excused while they only send.
  const start = startViolations(problem);
  const overloaded = new OverloadTracker(problem, start);
  const check = (phase: Violation['phase'], wave: number | undefined, hosts?: Iterable<number>) => {
    for (const rule of rules) {
      for (const v of rule.check(state, hosts)) if (!overloaded.excused(v)) violations.push({ ...v, phase, ...(wave === undefined ? {} : { wave }) });
    }
  };

  for (const v of start) if (!overloaded.excused(v)) violations.push({ ...v, phase: 'before' });
  // Host fields read for every migration, copied out of the host objects once.
  const disabled = Uint8Array.from(model.hosts, (h) => (h.disabled ? 1 : 0));
  const maxOut = Float64Array.from(model.hosts, (h) => h.maxOutgoing);
  const maxIn = Float64Array.from(model.hosts, (h) => h.maxIncoming);
  // Hosts a wave touches, in the order first touched: a list and, per host, the last wave that touched it.
  const touchedIn = new Int32Array(model.hosts.length);
  const touch = (touched: number[], h: number, wave: number) => {
    if (touchedIn[h] !== wave) { touchedIn[h] = wave; touched.push(h); }
  };
  waves.forEach((w, i) => {
    const wave = i + 1;
    const touched: number[] = [];
    const bad = (message: string, extra: Partial<Violation> = {}) => violations.push({ rule: 'plan', message: `wave ${wave}: ${message}`, wave, phase: 'during', ...extra });
    for (const m of w.migrations) {
      const step = applyStep(problem, state, m);
      if (isStepError(step)) { bad(step.message, { vm: step.vm, host: step.host, ...(step.rule ? { rule: step.rule } : {}) }); continue; }
      const { vm: v, from, to } = step;
      if (to >= 0 && disabled[to]) bad(`${m.vm} migrates to ${m.to}, a disabled host (it receives no migration)`, { rule: 'disabled', vm: m.vm, host: m.to ?? undefined });
      if (to >= 0 && overloaded.has(to)) bad(`${m.vm} migrates to ${m.to}, which is overloaded (it breaks a rule and receives no migration until it satisfies its rules)`, { rule: 'overload', vm: m.vm, host: m.to ?? undefined });
      if (from >= 0) touch(touched, from, wave);
      if (to >= 0) touch(touched, to, wave);
      if (to < 0) shelvedFrom.set(v, from);
      else {
        const origin = from >= 0 ? from : shelvedFrom.get(v)!;
        cost += problem.cost.cost(v, origin, to);
      }
      moves++;
    }
    for (const h of touched) {
      const out = state.outgoingOf(h);
      const inc = state.incomingOf(h);
      if (out <= maxOut[h]! && inc <= maxIn[h]!) continue;
      const host = model.hosts[h]!;
      if (out > host.maxOutgoing) bad(`host ${host.name} sends ${out} migrations at once, limit ${host.maxOutgoing}`, { rule: 'concurrency', host: host.name, load: out, limit: host.maxOutgoing });
      if (inc > host.maxIncoming) bad(`host ${host.name} receives ${inc} migrations at once, limit ${host.maxIncoming}`, { rule: 'concurrency', host: host.name, load: inc, limit: host.maxIncoming });
    }
    const inFlight = state.inFlight.length;
    if (inFlight > model.maxPerWave) bad(`${inFlight} migrations at once, limit ${model.maxPerWave} per wave`, { rule: 'concurrency', load: inFlight, limit: model.maxPerWave });
    if (w.migrations.length === 0) bad('the wave is empty');
    check('during', wave, touched);
    state.finishWave();
    check('after', wave, touched);
    overloaded.settle(state, touched);
  });

  // Service levels (group concurrency, move budgets, live moves): what a rule's own check already said is not repeated.
  const said = new Set(violations.map((x) => `${x.rule}|${x.wave}|${x.vm}`));
  for (const x of serviceLevelViolations(problem, waves)) if (!said.has(`${x.rule}|${x.wave}|${x.vm}`)) violations.push(x);

  for (let v = 0; v < model.vms.length; v++) {
    const at = state.hostOf(v);
    if (at !== model.target[v]) {
      const vm = model.vms[v]!.name;
      const target = model.hosts[model.target[v]!]!.name;
      if (at < 0) violations.push({ rule: 'target', phase: 'end', vm, message: `${vm} ends shelved, its target is ${target}` });
      else violations.push({ rule: 'target', phase: 'end', vm, host: model.hosts[at]!.name, message: `${vm} ends on ${model.hosts[at]!.name}, its target is ${target}` });
    }
  }
  // Rules that are not monotone: the plan must also hold one migration at a time, in order.
  if (!violations.length) violations.push(...orderedViolations(problem, waves));
  return { valid: violations.length === 0, violations, cost, moves };
}

export function formatViolation(v: Violation): string {
  const where = v.phase === 'before' ? 'before the first wave' : v.phase === 'end' ? 'at the end' : v.wave !== undefined ? `${v.phase} wave ${v.wave}` : v.phase ?? '';
  return v.message.startsWith('wave ') ? `[${v.rule}] ${v.message}` : `[${v.rule}] ${where}: ${v.message}`;
}
