/**
 * The replay verifier. Independent of every engine: it takes a plan as names,
 * replays it wave by wave on a fresh state and asks every active rule about the
 * state before the first wave, during each wave (migrating VMs on both hosts) and
 * after it; it also checks concurrency limits, that each VM moves from where it
 * is, and that the end state is the target. It recomputes the plan's cost.
 */
import type { Problem, Violation } from '../plugin-api.js';
import type { Wave } from '../model/plan.js';
import { PlacementState } from '../model/state.js';
import { orderedViolations } from './ordered.js';
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
  const { model, rules } = problem;
  const state = new PlacementState(model, problem.usable);
  const violations: Violation[] = [];
  let cost = 0;
  let moves = 0;
  const check = (phase: Violation['phase'], wave: number | undefined, hosts?: Iterable<number>) => {
    for (const rule of rules) {
      for (const v of rule.check(state, hosts)) violations.push({ ...v, phase, ...(wave === undefined ? {} : { wave }) });
    }
  };

  check('before', undefined);
  waves.forEach((w, i) => {
    const wave = i + 1;
    const touched = new Set<number>();
    const bad = (message: string, extra: Partial<Violation> = {}) => violations.push({ rule: 'plan', message: `wave ${wave}: ${message}`, wave, phase: 'during', ...extra });
    for (const m of w.migrations) {
      const v = model.vmIndex.get(m.vm);
      const from = model.hostIndex.get(m.from);
      const to = model.hostIndex.get(m.to);
      if (v === undefined) { bad(`unknown VM ${m.vm}`, { vm: m.vm }); continue; }
      if (from === undefined) { bad(`unknown host ${m.from}`, { vm: m.vm, host: m.from }); continue; }
      if (to === undefined) { bad(`unknown host ${m.to}`, { vm: m.vm, host: m.to }); continue; }
      if (state.destinationOf(v) >= 0) { bad(`${m.vm} migrates twice in one wave`, { vm: m.vm }); continue; }
      const at = state.hostOf(v);
      if (at !== from) { bad(`${m.vm} is on ${model.hosts[at]!.name}, not on ${m.from}`, { vm: m.vm, host: m.from }); continue; }
      if (from === to) { bad(`${m.vm} migrates from ${m.from} to itself`, { vm: m.vm, host: m.to }); continue; }
      if (model.hosts[to]!.disabled) bad(`${m.vm} migrates to ${m.to}, a disabled host (it receives no migration)`, { rule: 'disabled', vm: m.vm, host: m.to });
      state.beginMove(v, to);
      touched.add(from).add(to);
      cost += problem.cost.cost(v, from, to);
      moves++;
    }
    for (const h of touched) {
      const host = model.hosts[h]!;
      const out = state.outgoingOf(h);
      const inc = state.incomingOf(h);
      if (out > host.maxOutgoing) bad(`host ${host.name} sends ${out} migrations at once, limit ${host.maxOutgoing}`, { rule: 'concurrency', host: host.name, load: out, limit: host.maxOutgoing });
      if (inc > host.maxIncoming) bad(`host ${host.name} receives ${inc} migrations at once, limit ${host.maxIncoming}`, { rule: 'concurrency', host: host.name, load: inc, limit: host.maxIncoming });
    }
    const inFlight = state.inFlight.length;
    if (inFlight > model.maxPerWave) bad(`${inFlight} migrations at once, limit ${model.maxPerWave} per wave`, { rule: 'concurrency', load: inFlight, limit: model.maxPerWave });
    if (w.migrations.length === 0) bad('the wave is empty');
    check('during', wave, touched);
    state.finishWave();
    check('after', wave, touched);
  });

  // Service levels (group concurrency, move budgets, live moves): what a rule's own check already said is not repeated.
  const said = new Set(violations.map((x) => `${x.rule}|${x.wave}|${x.vm}`));
  for (const x of serviceLevelViolations(problem, waves)) if (!said.has(`${x.rule}|${x.wave}|${x.vm}`)) violations.push(x);

  for (let v = 0; v < model.vms.length; v++) {
    const at = state.hostOf(v);
    if (at !== model.target[v]) {
      const vm = model.vms[v]!.name;
      violations.push({ rule: 'target', phase: 'end', vm, host: model.hosts[at]!.name, message: `${vm} ends on ${model.hosts[at]!.name}, its target is ${model.hosts[model.target[v]!]!.name}` });
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
