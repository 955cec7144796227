/** Plan format v1 (see schemas/plan.schema.json). Names, not indices: plans are exchanged. */

export type PlanStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface Migration {
  vm: string;
  from: string;
  to: string;
  /**
   * Migrations this one waits for in the dependency-based schedule: indices in the plan's
   * flat numbering (all migrations wave after wave, in plan order, the first one 0).
   * Attached to verified plans (src/schedule/attach.ts).
   */
  after?: number[];
  /** Estimated start, seconds from the start of the plan, in the dependency-based schedule. */
  estimatedStart?: number;
  /** Estimated duration in seconds in that schedule (pre-copy model, links shared). */
  estimatedSeconds?: number;
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
  /**
   * Estimated completion time in seconds: wave by wave, and the dependency-based schedule
   * (`schedule` says which: each migration as soon as those it waits for end, the
   * network-aware schedule whose start decisions are in `after`, or the waves when those were
   * shorter); `asap` when the chosen one is not the as-soon-as-possible one. `lowerBound`: no
   * schedule of this plan is shorter (the largest of `bounds`).
   */
  makespan?: {
    waves: number;
    dependencies: number;
    asap?: number;
    schedule?: 'asap' | 'network' | 'waves';
    lowerBound?: number;
    bounds?: { links: number; link?: string; hosts?: number; host?: string; chain: number };
    /** Migrations whose stop-and-copy the round limit forces (they cannot converge live). */
    nonConvergent?: number;
  };
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
