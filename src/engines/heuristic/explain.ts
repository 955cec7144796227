/** Says, in words, what keeps the remaining VMs from their targets. */
import type { Problem } from '../../plugin-api.js';
import { Mover } from './mover.js';
import { breaksRule, overloadedAtStart } from '../../verify/overload.js';

export function explainBlocking(problem: Problem, placement: Int32Array, limit = 8): string[] {
  const { model } = problem;
  const mover = new Mover(problem, placement);
  const s = mover.state;
  const overloaded = overloadedAtStart(problem);
  const lines: string[] = [];
  let blocked = 0;
  for (let v = 0; v < model.vms.length; v++) {
    const t = model.target[v]!;
    const from = placement[v]!;
    if (from === t) continue;
    blocked++;
    if (lines.length >= limit) continue;
    const name = model.vms[v]!.name;
    const route = `${name} cannot move ${model.hosts[from]!.name} -> ${model.hosts[t]!.name}`;
    if (!mover.movable(v)) { lines.push(`${route}: it is pinned`); continue; }
    if (!mover.slotFree(from, t)) { lines.push(`${route}: a concurrency limit of 0 forbids it`); continue; }
    if (overloaded[t] && breaksRule(problem.rules, s, t)) { lines.push(`${route}: host ${model.hosts[t]!.name} started overloaded and still breaks a rule, so it receives nothing yet`); continue; }
    s.beginMove(v, t);
    const reasons = problem.rules.flatMap((r) => r.check(s, [t])).map((x) => x.message);
    s.cancelMove(v);
    const budget = reasons.length ? budgetBlock(problem, mover, v, t) : undefined;
    lines.push(`${route}: ${reasons.length ? reasons.join('; ') : 'no rule objects, yet it is blocked'}${budget ? `; ${budget}` : ''}`);
  }
  if (blocked > lines.length) lines.push(`... and ${blocked - lines.length} more VMs away from their targets`);
  return lines;
}

/**
 * The VMs on `host` that a move budget keeps from stepping aside (fewer than 2 moves allowed,
 * and no direct way out), when their leaving would let `vm` in: "blocked by max-moves of VM x".
 */
function budgetBlock(problem: Problem, mover: Mover, vm: number, host: number): string | undefined {
  const { model } = problem;
  const s = mover.state;
  const budgets = problem.rules.filter((r) => r.maxMoves);
  if (!budgets.length) return undefined;
  // Home, or its own target blocked now: only a detour would take it away, and its budget forbids one.
  const locked = [...s.vmsOn(host)].filter((u) => u !== vm && mover.movable(u) && !mover.canPark(u)
    && (model.target[u] === host || !mover.admits(u, model.target[u]!)));
  if (!locked.length) return undefined;
  for (const u of locked) s.withdraw(u);
  const wouldFit = mover.admits(vm, host);
  for (const u of locked) s.restore(u);
  if (!wouldFit) return undefined;
  const names = locked.map((u) => model.vms[u]!.name);
  const rule = budgets.find((r) => locked.some((u) => r.maxMoves!(u) < 2))?.name ?? budgets[0]!.name;
  return `blocked by ${rule} of VM ${names.join(', VM ')} (${names.length > 1 ? 'they' : 'it'} may not be parked to make room)`;
}
