/** shunt compare: the same instance through the heuristic and the exact engine with each solver. */
import type { Command } from 'commander';
import { common, emit, loadOptions, positiveSeconds, say, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { loadInstance, solveLoaded } from '../../api.js';
import type { Plan } from '../../model/plan.js';
import { formatNumber } from '../format.js';
import { backendNames } from '../../exact/solvers/registry.js';
import { provenBounds } from '../../plan/bounds.js';
import { planProof, type ExactProof, type LevelProof } from '../../exact/proof.js';
import { descriptionOf } from './index.js';

export interface CompareRow {
  engine: string;
  solver: string | null;
  status: Plan['status'] | 'error';
  cost: number | null;
  lowerBound: number | null;
  gap: number | null;
  waves: number | null;
  seconds: number;
  /** Per level, what proved it ("bound", "parts", "mip", "search") or null while unproven. */
  proof: { cost: string | null; waves: string | null } | null;
  /** Seconds to the first plan (the heuristic's, inside the exact engine) and to the last proof (null: not proven). */
  firstPlanSeconds: number | null;
  proofSeconds: number | null;
  note?: string;
}

/** Where the row's proof came from: the exact engine's own report, or the heuristic's plan against the bounds. */
function proofColumns(plan: Plan, bounds: { cost: number; waves: number }): Pick<CompareRow, 'proof' | 'firstPlanSeconds' | 'proofSeconds'> {
  const exact = plan.stats['exact'] as { proof?: ExactProof; firstPlanSeconds?: number | null; proofSeconds?: number | null } | undefined;
  const proof = exact?.proof ?? planProof(plan, bounds);
  const by = (l: LevelProof) => (l.proven ? l.by ?? 'bound' : null);
  const found = plan.status === 'optimal' || plan.status === 'feasible';
  return {
    proof: proof ? { cost: by(proof.cost), waves: by(proof.waves) } : null,
    firstPlanSeconds: found ? exact?.firstPlanSeconds ?? plan.stats.seconds : null,
    proofSeconds: exact ? exact.proofSeconds ?? null : plan.status === 'optimal' ? plan.stats.seconds : null,
  };
}

const SOLVERS: readonly string[] = backendNames;

export function register(program: Command): void {
  common(program.command('compare')
    .description(descriptionOf('compare'))
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .option('--solvers <list>', 'comma-separated MIP backends for the exact engine', 'glpk')
    .option('--time-limit <seconds>', 'per engine run', positiveSeconds)
    .action(async (file: string, o: CommonOptions & { solvers: string; timeLimit?: number }) => {
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
          const bounds = provenBounds(loaded.problem);
          const gap = plan.cost !== null && plan.lowerBound !== null && plan.cost > 0 ? (plan.cost - plan.lowerBound) / plan.cost : plan.cost === 0 ? 0 : null;
          rows.push({ engine: r.engine, solver: r.solver, status: plan.status, cost: plan.cost, lowerBound: plan.lowerBound, gap, waves: plan.status === 'optimal' || plan.status === 'feasible' ? plan.waves.length : null, seconds: plan.stats.seconds, ...proofColumns(plan, bounds), ...(plan.notes?.length ? { note: plan.notes.join('; ') } : {}) });
        } catch (e) {
          if (e instanceof InputError && r.engine === 'heuristic') throw e; // bad input: not a comparison result
          rows.push({ engine: r.engine, solver: r.solver, status: 'error', cost: null, lowerBound: null, gap: null, waves: null, seconds: (Date.now() - started) / 1000, proof: null, firstPlanSeconds: null, proofSeconds: null, note: (e as Error).message.split('\n')[0] });
        }
      }
      if (o.json) emit(JSON.stringify(rows, null, 2));
      else say(table(rows));
    });
}

function table(rows: CompareRow[]): string {
  const head = ['engine', 'solver', 'status', 'cost', 'lower bound', 'gap', 'waves', 'proof (cost/waves)', 'first plan s', 'proof s', 'seconds'];
  const secs = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  const body = rows.map((r) => [r.engine, r.solver ?? '-', r.status, formatNumber(r.cost), formatNumber(r.lowerBound), r.gap === null ? '-' : `${(r.gap * 100).toFixed(2)} %`, formatNumber(r.waves),
    r.proof ? `${r.proof.cost ?? '-'}/${r.proof.waves ?? '-'}` : '-', secs(r.firstPlanSeconds), secs(r.proofSeconds), r.seconds.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `${r.engine}${r.solver ? `/${r.solver}` : ''}: ${r.note}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
