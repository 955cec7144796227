/** Messages between the campaign (pool.ts) and its workers (worker.ts). */
import type { OracleLimits } from './oracle.js';
import type { GeneratorOptions } from './generate.js';
import type { Family } from './instance.js';
import type { InstanceResult, Truth } from './evaluate.js';

export interface Job { family: Family; seed: number; index: number }

export interface JobRequest extends Job {
  id: number;
  generator: GeneratorOptions;
  oracle: Required<OracleLimits>;
  /** Overrides the family's engine time limit (seconds). */
  timeLimit?: number;
  /** The engine plugin to plan with (default: the instance's policy, else the heuristic). */
  engine?: string;
}

/** Sent when the engine starts: the parent then arms its hard-kill timer. */
export interface EngineStarted {
  type: 'started';
  id: number;
  shape: string;
  hosts: number;
  vms: number;
  timeLimit: number;
  truth: Truth;
}

export interface JobDone {
  type: 'done';
  id: number;
  result: InstanceResult;
}

export type WorkerReply = EngineStarted | JobDone;
