/** The replay verifier as it was before issue 15's fifth round (helper "replay"), kept as the oracle of test/replay-equivalence.test.ts. Never edit it. */
/**
 * One step of a plan (v2) checked and applied to a PlacementState, for the replay verifier.
 * Live and cold moves go from a host to a host; a shelve leaves its host (held until its
 * wave ends), an unshelve arrives on one. A disruptive action needs the VM's `sla`
 * (`cold`, or `shelve` for both shelve and unshelve) and a VM that no rule pins.
 *
 * Concurrency: a cold move takes the source's outgoing and the destination's incoming slot,
 * like a live one; a shelve takes its source's outgoing slot, an unshelve its destination's
 * incoming slot; each counts once toward maxPerWave.
 */
import type { Problem, Violation } from '../../../src/plugin-api.js';
import type { Migration } from '../../../src/model/plan.js';
import type { Model } from '../../../src/model/model.js';
import { actionOf } from '../../../src/model/plan.js';
import { SHELVED, type PlacementState } from './replay-state.js';

/** What a step did: its VM and the hosts whose load or slots it touched (-1: none). */
export interface AppliedStep {
  vm: number;
  from: number;
  to: number;
}

/** A step that cannot be applied: why, and which VM or host to name. */
export interface StepError {
  message: string;
  vm?: string;
  host?: string;
  rule?: string;
}

const isError = (x: AppliedStep | StepError): x is StepError => 'message' in x;
export { isError as isStepError };

/** Checks the step against the state and the VM's service level, and applies it when it can. */
export function applyStep(problem: Problem, state: PlacementState, m: Migration): AppliedStep | StepError {
  const { model } = problem;
  const v = model.vmIndex.get(m.vm);
  if (v === undefined) return { message: `unknown VM ${m.vm}`, vm: m.vm };
  if (state.isBusy(v)) return { message: `${m.vm} migrates twice in one wave`, vm: m.vm };
  const action = actionOf(m);
  const refused = slaRefusal(problem, v, action);
  if (refused) return { message: refused, vm: m.vm, rule: 'sla' };
  const from = m.from === null ? SHELVED : model.hostIndex.get(m.from);
  const to = m.to === null ? SHELVED : model.hostIndex.get(m.to);
  if (from === undefined) return { message: `unknown host ${m.from}`, vm: m.vm, host: m.from ?? undefined };
  if (to === undefined) return { message: `unknown host ${m.to}`, vm: m.vm, host: m.to ?? undefined };
  const at = state.hostOf(v);
  if (at !== from) return { message: `${m.vm} is ${where(model, at)}, not ${where(model, from)}`, vm: m.vm, host: m.from ?? undefined };
  if (from === to) return { message: `${m.vm} migrates from ${m.from} to itself`, vm: m.vm, host: m.to ?? undefined };
  if (action === 'shelve') state.beginShelve(v);
  else if (action === 'unshelve') state.beginUnshelve(v, to);
  else state.beginMove(v, to);
  return { vm: v, from, to };
}

const where = (model: Model, h: number) => (h === SHELVED ? 'shelved' : `on ${model.hosts[h]!.name}`);

/** Why the VM may not get this action (undefined: it may). */
export function slaRefusal(problem: Problem, vm: number, action: ReturnType<typeof actionOf>): string | undefined {
  if (action === 'live') return undefined;
  const info = problem.model.vms[vm]!;
  const permit = action === 'cold' ? 'cold' : 'shelve';
  if (info.sla[permit] !== true) return `${info.name} may not be ${action === 'cold' ? 'moved cold' : `${action}d`}: its sla does not say "${permit}": true`;
  const pinned = problem.rules.find((r) => r.movable?.(vm) === false);
  if (pinned) return `${info.name} may not be ${action === 'cold' ? 'moved cold' : `${action}d`}: rule ${pinned.name} keeps it where it is`;
  return undefined;
}

/** Applies a step of a plan the verifier has accepted (no checks), for displays that replay it. */
export function applyVerifiedStep(model: Model, state: PlacementState, m: Migration): AppliedStep {
  const vm = model.vmIndex.get(m.vm)!;
  const from = state.hostOf(vm);
  const to = m.to === null ? SHELVED : model.hostIndex.get(m.to)!;
  if (m.action === 'shelve') state.beginShelve(vm);
  else if (m.action === 'unshelve') state.beginUnshelve(vm, to);
  else state.beginMove(vm, to);
  return { vm, from, to };
}

/** Plans that hold an action other than live need plan format v2. */
export const hasDisruptiveActions = (waves: readonly { migrations: readonly Migration[] }[]): boolean =>
  waves.some((w) => w.migrations.some((m) => actionOf(m) !== 'live'));

/** Plans with a shelve or an unshelve: their schedule is the waves (the dependency machinery knows only host-to-host moves). */
export const hasShelving = (waves: readonly { migrations: readonly Migration[] }[]): boolean =>
  waves.some((w) => w.migrations.some((m) => m.action === 'shelve' || m.action === 'unshelve'));

/** A step of a plan with shelving whose `after` does not hold the whole wave before it (they run wave by wave). */
export function wavesOutOfOrder(waves: readonly { migrations: readonly Migration[] }[]): Violation | undefined {
  let first = 0;
  for (let k = 1; k < waves.length; k++) {
    const size = waves[k - 1]!.migrations.length;
    const bad = waves[k]!.migrations.find((m) => m.after !== undefined && !Array.from({ length: size }, (_, j) => first + j).every((d) => m.after!.includes(d)));
    first += size;
    if (bad) return { rule: 'plan', wave: k + 1, message: `wave ${k + 1}: ${bad.vm} does not wait for every step of wave ${k}, but a plan with shelving runs wave by wave` };
  }
  return undefined;
}
