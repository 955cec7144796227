/**
 * What each migration of a plan does, derived from the plan and the target: a move to a host
 * that is not the VM's target parks it; a later move to its target after parking returns it;
 * any other move is direct. A migration that names its own disruptive `action` (cold, shelve,
 * unshelve) keeps it.
 */
import type { Model } from '../model/model.js';
import type { Migration, Wave } from '../model/plan.js';

export type Action = 'direct' | 'parking' | 'return' | string;

/** Actions in flat order (wave after wave, plan order within a wave). */
export function classifyActions(model: Model, waves: readonly Wave[]): Action[] {
  const moved = new Set<string>();
  const actions: Action[] = [];
  for (const w of waves) {
    for (const m of w.migrations) {
      const own = (m as Migration & { action?: unknown }).action;
      actions.push(typeof own === 'string' && own.length > 0 && own !== 'live' ? own : implied(model, m, moved.has(m.vm)));
      moved.add(m.vm);
    }
  }
  return actions;
}

function implied(model: Model, m: Migration, movedBefore: boolean): Action {
  const v = model.vmIndex.get(m.vm)!;
  const target = model.hosts[model.target[v]!]!.name;
  if (m.to !== target) return 'parking';
  return movedBefore ? 'return' : 'direct';
}
