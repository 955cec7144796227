/** Human-readable renderings for the CLI. */
import type { Migration, Plan } from '../model/plan.js';

const MAX_LISTED = 200;

export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function planSummary(plan: Plan, unit: string): string {
  const lines: string[] = [];
  const s = plan.stats;
  if (plan.status === 'infeasible' || plan.status === 'unknown') {
    lines.push(plan.status === 'infeasible' ? `no plan exists (proven, engine ${plan.engine}, ${s.seconds.toFixed(3)} s)` : `no plan found within limits (nothing proven, engine ${plan.engine}, ${s.seconds.toFixed(3)} s)`);
    for (const e of plan.explanation ?? []) lines.push(`  ${e}`);
    for (const n of plan.notes ?? []) lines.push(noteLine(n));
    return lines.join('\n');
  }
  const detours = s.detours ? `, ${s.detours} of them parking or return moves` : '';
  lines.push(`plan ${plan.status}: ${plural(s.moves, 'migration')}${detours} in ${plural(s.waves, 'wave')}${s.wavesLowerBound !== undefined ? ` (at least ${s.wavesLowerBound} needed)` : ''}`);
  const gap = plan.cost && plan.lowerBound !== null ? ((plan.cost - plan.lowerBound) / plan.cost) * 100 : 0;
  const bound = plan.lowerBound === null ? 'no lower bound' : `lower bound ${formatNumber(plan.lowerBound)} ${unit}`;
  lines.push(`cost ${formatNumber(plan.cost)} ${unit}, ${bound}${gap > 0 ? ` (gap ${gap.toFixed(1)} %)` : ''}`);
  lines.push(`engine ${plan.engine}, ${s.seconds.toFixed(3)} s, verified by replay`);
  const ms = s.makespan;
  if (ms) lines.push(`estimated duration ${ms.waves.toFixed(1)} s wave by wave, ${ms.dependencies.toFixed(1)} s when each migration starts as soon as the ones it waits for end${ms.lowerBound !== undefined ? ` (lower bound ${ms.lowerBound.toFixed(1)} s)` : ''}`);
  const d = s.disruption;
  if (d) lines.push(`disrupted: ${plural(d.vms, 'VM')} (${d.cold} cold, ${d.shelve} shelved), estimated downtime ${d.downtime.total.toFixed(1)} s in total`);
  for (const n of plan.notes ?? []) lines.push(noteLine(n));
  if (s.moves <= MAX_LISTED) {
    plan.waves.forEach((w, i) => {
      lines.push(`wave ${i + 1}:`);
      for (const m of w.migrations) lines.push(`  ${m.vm}  ${step(m)}`);
    });
  } else {
    plan.waves.forEach((w, i) => lines.push(`wave ${i + 1}: ${w.migrations.length} migrations`));
    lines.push(`(${s.moves} migrations: use --json to list them)`);
  }
  return lines.join('\n');
}

/** "h1 -> h2", "h1 -> h2 (cold)", "shelve on h1", "unshelve onto h2". */
function step(m: Migration): string {
  if (m.action === 'shelve') return `shelve on ${m.from}${m.estimatedDowntime !== undefined ? ` (down ~${m.estimatedDowntime.toFixed(1)} s until unshelved)` : ''}`;
  if (m.action === 'unshelve') return `unshelve onto ${m.to}`;
  return `${m.from} -> ${m.to}${m.action === 'cold' ? ' (cold)' : ''}`;
}

/** A plan's note for people: warnings (an overloaded start) keep their own prefix. */
function noteLine(note: string): string {
  return note.startsWith('warning: ') ? note : `note: ${note}`;
}
