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
    lines.push(`${route}: ${reasons.length ? reasons.join('; ') : 'no rule objects, yet it is blocked'}`);
  }
  if (blocked > lines.length) lines.push(`... and ${blocked - lines.length} more VMs away from their targets`);
  return lines;
}
