/**
 * The replay verifier's check of the rules' service-level hooks, on the plan as written:
 * - migrationGroups: per wave, at most `limit` migrations of a group's VMs;
 * - maxMoves: each VM migrates at most its budget over the whole plan;
 * - admitsLive: every migration is a live move its service levels allow.
 * Every violation names the rule, the VM (and group) and the wave.
 */
import type { Problem, Violation } from '../plugin-api.js';
import { actionOf, type Wave } from '../model/plan.js';

/** A step as indices: -1 for the side a shelve or an unshelve does not have (plan v2). */
interface Resolved { vm: number; from: number; to: number; live: boolean }

/** The wave's migrations as indices; unknown names are left to the replay verifier. */
function resolve(problem: Problem, wave: Wave): Resolved[] {
  const { model } = problem;
  const out: Resolved[] = [];
  const host = (name: string | null) => (name === null ? -1 : model.hostIndex.get(name));
  for (const m of wave.migrations) {
    const vm = model.vmIndex.get(m.vm);
    const from = host(m.from);
    const to = host(m.to);
    if (vm !== undefined && from !== undefined && to !== undefined) out.push({ vm, from, to, live: actionOf(m) === 'live' });
  }
  return out;
}

function groupViolations(problem: Problem, moves: Resolved[], wave: number): Violation[] {
  const { model } = problem;
  const out: Violation[] = [];
  for (const rule of problem.rules) {
    for (const g of rule.migrationGroups ?? []) {
      const members = new Set(g.vms);
      const flying = moves.filter((m) => members.has(m.vm));
      if (flying.length <= g.limit) continue;
      const names = flying.map((m) => model.vms[m.vm]!.name).join(', ');
      for (const m of flying) {
        out.push({
          rule: rule.name, vm: model.vms[m.vm]!.name, host: model.hosts[m.to >= 0 ? m.to : m.from]!.name, wave, phase: 'during', load: flying.length, limit: g.limit,
          message: `${model.vms[m.vm]!.name} migrates while group ${g.name} has ${flying.length} VMs migrating at once (${names}), limit ${g.limit}`,
        });
      }
    }
  }
  return out;
}

function liveViolations(problem: Problem, moves: Resolved[], wave: number): Violation[] {
  const { model } = problem;
  const out: Violation[] = [];
  for (const rule of problem.rules) {
    if (!rule.admitsLive) continue;
    for (const m of moves) {
      // Only live moves: cold moves and shelving are how a VM that cannot move live is moved.
      if (!m.live || rule.admitsLive(m.vm, m.from, m.to)) continue;
      const vm = model.vms[m.vm]!.name;
      out.push({ rule: rule.name, vm, host: model.hosts[m.to]!.name, wave, phase: 'during', message: `${vm} moves live ${model.hosts[m.from]!.name} -> ${model.hosts[m.to]!.name}, which its service level does not allow` });
    }
  }
  return out;
}

export function serviceLevelViolations(problem: Problem, waves: readonly Wave[]): Violation[] {
  const { model, rules } = problem;
  const budgeted = rules.filter((r) => r.maxMoves);
  const hooked = budgeted.length > 0 || rules.some((r) => r.migrationGroups?.length || r.admitsLive);
  if (!hooked) return [];
  const out: Violation[] = [];
  const moved = new Int32Array(model.vms.length);
  waves.forEach((w, i) => {
    const wave = i + 1;
    const moves = resolve(problem, w);
    out.push(...groupViolations(problem, moves, wave), ...liveViolations(problem, moves, wave));
    for (const m of moves) {
      const count = ++moved[m.vm]!;
      for (const rule of budgeted) {
        const max = rule.maxMoves!(m.vm);
        if (count !== Math.floor(max) + 1) continue; // reported once, at the first migration beyond it
        const vm = model.vms[m.vm]!.name;
        out.push({ rule: rule.name, vm, wave, phase: 'during', load: count, limit: max, message: `${vm} migrates a ${ordinal(count)} time, beyond its budget of ${max} (${rule.name})` });
      }
    }
  });
  return out;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
}
