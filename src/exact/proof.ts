/**
 * What a plan of the exact engine has proven, level by level (cost, then waves), and
 * how: a lower bound met by the plan, a proof per independent part, the integer program,
 * or the heuristic's exhaustive search. Every level carries a numeric bound and gap.
 */

export type ProofSource = 'bound' | 'parts' | 'mip' | 'search';

export interface LevelProof {
  proven: boolean;
  /** Where the proof came from (absent while not proven). */
  by?: ProofSource;
  /** The plan's figure at this level (cost, or waves). */
  value: number;
  lowerBound: number;
  /** (value - lowerBound) / value; 0 when proven. */
  gap: number;
}

export interface PartProof {
  hosts: number;
  misplaced: number;
  movable: number;
  cost: LevelProof;
  waves: LevelProof;
}

export interface ExactProof {
  cost: LevelProof;
  waves: LevelProof;
  /** Per independent part, when the instance split into several. */
  parts?: PartProof[];
}

const tolerance = (x: number) => 1e-9 * Math.max(1, Math.abs(x));

export function level(value: number, lowerBound: number, by: ProofSource | undefined): LevelProof {
  const lb = Math.min(value, lowerBound);
  const proven = by !== undefined || value <= lb + tolerance(lb);
  const gap = proven || value <= 0 ? 0 : (value - lb) / value;
  return { proven, ...(proven ? { by: by ?? 'bound' } : {}), value, lowerBound: proven ? value : lb, gap };
}

/** One line for the notes: "cost 73728 proven optimal (bound); waves 3, lower bound 2 (gap 33.3 %)". */
export function describeProof(p: ExactProof): string {
  const one = (name: string, l: LevelProof) => (l.proven ? `${name} ${l.value} proven optimal (${l.by === 'parts' ? 'part by part' : l.by === 'mip' ? 'integer program' : l.by === 'search' ? 'exhaustive search' : 'lower bound met'})`
    : `${name} ${l.value}, lower bound ${l.lowerBound} (gap ${(l.gap * 100).toFixed(1)} %)`);
  return `${one('cost', p.cost)}; ${one('waves', p.waves)}`;
}

/** The proof of a plan another engine made (the heuristic's), against the proven bounds. */
export function planProof(plan: { status: string; cost: number | null; lowerBound: number | null; waves: unknown[] }, bounds: { cost: number; waves: number }): ExactProof | undefined {
  if (plan.cost === null) return undefined;
  const lb = Math.max(bounds.cost, plan.lowerBound ?? 0);
  const meets = plan.cost <= bounds.cost + tolerance(bounds.cost);
  const cost = level(plan.cost, lb, meets ? 'bound' : plan.status === 'optimal' ? 'search' : undefined);
  return { cost, waves: level(plan.waves.length, bounds.waves, plan.waves.length <= bounds.waves ? 'bound' : undefined) };
}
