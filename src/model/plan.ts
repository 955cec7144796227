/** Plan format v2 (see schemas/plan.schema.json; v1 is v2 without actions). Names, not indices: plans are exchanged. */

export type PlanStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

/**
 * What a migration does (plan format v2). `live`: moved running (the default, and all of v1).
 * `cold`: stopped, moved and started: it holds its resources on both hosts during its wave and
 * is down. `shelve`: stopped and its resources released (it holds them on `from` during its
 * wave); `unshelve`: booted on `to` (held there during its wave). Disruptive actions need the
 * VM's `sla` and the plan's permission (`--allow`).
 */
export type MigrationAction = 'live' | 'cold' | 'shelve' | 'unshelve';

/** The actions that stop a VM. */
export type DisruptiveAction = Exclude<MigrationAction, 'live'>;

interface MigrationCommon {
  vm: string;
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
  /**
   * Estimated seconds the VM is down because of this action (v2, disruptive actions): a cold
   * move's copy and setup; a shelve's time until its unshelve ends (the unshelve carries 0).
   */
  estimatedDowntime?: number;
}

/** A move between two hosts, live or cold: both ends are hosts. */
export interface Transfer extends MigrationCommon {
  action?: 'live' | 'cold';
  from: string;
  to: string;
}

export interface Shelve extends MigrationCommon {
  action: 'shelve';
  from: string;
  to: null;
}

export interface Unshelve extends MigrationCommon {
  action: 'unshelve';
  from: null;
  to: string;
}

/** One step of a plan. Only shelve and unshelve have a missing end (`null`, as in the JSON). */
export type Migration = Transfer | Shelve | Unshelve;

/** The migration's action, `live` when it says none (v1). */
export const actionOf = (m: Migration): MigrationAction => m.action ?? 'live';

/** True for a move between two hosts (live or cold). */
export const isTransfer = (m: Migration): m is Transfer => m.action !== 'shelve' && m.action !== 'unshelve';

/** Format version of plans with a disruptive action; plans of live moves stay v1 documents (no `formatVersion`). */
export const PLAN_FORMAT_VERSION = 2;

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
  /** Disruptive actions (v2): how many VMs are stopped, per action, and estimated downtime in seconds. */
  disruption?: DisruptionStats;
  [key: string]: unknown;
}

export interface Plan {
  /** 2 when the plan may hold disruptive actions; absent in v1 documents. */
  formatVersion?: number;
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

/** What the disruptive actions of a plan cost its VMs (stats.disruption). */
export interface DisruptionStats {
  /** VMs stopped at least once. */
  vms: number;
  cold: number;
  shelve: number;
  unshelve: number;
  /** Estimated seconds of downtime per action and in total. */
  downtime: { cold: number; shelve: number; total: number };
  /** True when no plan disrupts fewer VMs (proven by the fallback's enumeration, src/plan/disrupt.ts). */
  fewestProven?: boolean;
}
