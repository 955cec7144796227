/** shunt compare: the same instance through the heuristic and the exact engine with each solver. */
import type { Command } from 'commander';
import { common, emit, loadOptions, positiveSeconds, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import type { Plan } from '../../model/plan.js';
import { formatNumber } from '../format.js';
import { backendNames } from '../../exact/solvers/names.js';

export interface CompareRow {
  engine: string;
  solver: string | null;
  status: Plan['status'] | 'error';
  cost: number | null;
  lowerBound: number | null;
  gap: number | null;
  waves: number | null;
  seconds: number;
  note?: string;
}

const SOLVERS: readonly string[] = backendNames;

export function register(program: Command): void {
  common(program.command('compare')
    .description('plan with the heuristic and with the exact engine for each solver; one row each')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .option('--solvers <list>', 'comma-separated MIP backends for the exact engine', 'glpk')
    .option('--time-limit <seconds>', 'per engine run', positiveSeconds)
    .action(async (file: string, o: CommonOptions & { solvers: string; timeLimit?: number }) => {
      const { loadInstance, solveLoaded } = await import('../../api.js');
      const solvers = o.solvers.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = solvers.filter((s) => !SOLVERS.includes(s));
      if (unknown.length) throw new InputError('--solvers', [{ path: '', message: `unknown solver ${unknown.join(', ')} (known: ${SOLVERS.join(', ')})` }]);
      const doc = await readDocument(file);
      const runs: Array<{ engine: string; solver: string | null }> = [{ engine: 'heuristic', solver: null }, ...solvers.map((s) => ({ engine: 'exact', solver: s }))];
      const rows: CompareRow[] = [];
      for (const r of runs) {
        const base = loadOptions(o, file);
        const engine = r.solver ? { name: 'exact', options: { solver: r.solver } } : 'heuristic';
        const started = Date.now();
        try {
          const loaded = await loadInstance(doc, { ...base, policy: { ...(base.policy ?? {}), engine } });
          const plan = await solveLoaded(loaded, { timeLimit: o.timeLimit });
          const gap = plan.cost !== null && plan.lowerBound !== null && plan.cost > 0 ? (plan.cost - plan.lowerBound) / plan.cost : plan.cost === 0 ? 0 : null;
          rows.push({ engine: r.engine, solver: r.solver, status: plan.status, cost: plan.cost, lowerBound: plan.lowerBound, gap, waves: plan.status === 'optimal' || plan.status === 'feasible' ? plan.waves.length : null, seconds: plan.stats.seconds, ...(plan.notes?.length ? { note: plan.notes.join('; ') } : {}) });
        } catch (e) {
          if (e instanceof InputError && r.engine === 'heuristic') throw e; // bad input: not a comparison result
          rows.push({ engine: r.engine, solver: r.solver, status: 'error', cost: null, lowerBound: null, gap: null, waves: null, seconds: (Date.now() - started) / 1000, note: (e as Error).message.split('\n')[0] });
        }
      }
      emit(o.json ? JSON.stringify(rows, null, 2) : table(rows));
    });
}

function table(rows: CompareRow[]): string {
  const head = ['engine', 'solver', 'status', 'cost', 'lower bound', 'gap', 'waves', 'seconds'];
  const body = rows.map((r) => [r.engine, r.solver ?? '-', r.status, formatNumber(r.cost), formatNumber(r.lowerBound), r.gap === null ? '-' : `${(r.gap * 100).toFixed(2)} %`, formatNumber(r.waves), r.seconds.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `${r.engine}${r.solver ? `/${r.solver}` : ''}: ${r.note}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
