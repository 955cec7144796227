/**
 * What a rule's integer-program formulation sees: the time-indexed model in terms
 * of presence. A VM is present on a host during wave t (1..T) when it is settled
 * there, leaving it or arriving at it, exactly as the rules' state checks count it.
 */
import type { Model } from '../model/model.js';

export interface TimeIndexedBuilder {
  readonly model: Model;
  readonly usable: Float64Array;
  /** Number of waves in the horizon. */
  readonly waves: number;
  /** VMs that can be present on the host at some point (the others never are). */
  candidatesOn(host: number): readonly number[];
  /** True when the VM's presence on the host is the same fixed value in every wave. */
  isFixed(vm: number, host: number): boolean;
  /**
   * Adds the row  lb <= sum(coef * presence(vm, host, t)) <= ub  for wave t; constant
   * presences are moved to the bounds. Rows that can never bind are dropped.
   */
  addPresenceRow(name: string, host: number, wave: number, terms: ReadonlyArray<[vm: number, coef: number]>, ub: number): void;
  /**
   * Adds the row  sum over the waves and terms of coef * migrations(vm, t) <= ub, where
   * migrations(vm, t) is 1 when the VM migrates in wave t (service levels: group concurrency, move budgets).
   */
  addMigrationRow(name: string, waves: readonly number[], terms: ReadonlyArray<[vm: number, coef: number]>, ub: number): void;
  /** Forbids the VM's migration from one host to the other in every wave (a live move its SLA does not allow). */
  forbidMigration(name: string, vm: number, from: number, to: number): void;
}

/** A rule's linear form, kept apart from its state check. */
export interface RuleFormulation {
  /** Static filter: may the VM ever be on the host? (Pruning; must agree with the rule.) */
  allows?(vm: number, host: number): boolean;
  /** Adds the rule's rows for every wave. */
  addRows(ip: TimeIndexedBuilder): void;
}
