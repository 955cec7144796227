/** Plan format v1 (see schemas/plan.schema.json). Names, not indices: plans are exchanged. */

export type PlanStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface Migration {
  vm: string;
  from: string;
  to: string;
}

export interface Wave {
  migrations: Migration[];
}

export interface PlanStats {
  moves: number;
  waves: number;
  seconds: number;
  /** Migrations that are not the VM's single direct move (parking and returns). */
  detours?: number;
  /** No plan can have fewer waves than this (concurrency limits, moves per host). */
  wavesLowerBound?: number;
  [key: string]: unknown;
}

export interface Plan {
  status: PlanStatus;
  engine: string;
  waves: Wave[];
  cost: number | null;
  lowerBound: number | null;
  stats: PlanStats;
  /** Why no plan was given (infeasible/unknown), in words. */
  explanation?: string[];
  /** What the engine wants the user to know (fallbacks, restricted proofs). */
  notes?: string[];
}
