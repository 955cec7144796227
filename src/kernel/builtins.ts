/**
 * The built-in plugins. Their modules are linked statically (so the library also
 * works bundled); their manifests are read from plugins/ and registered through
 * the same Kernel.register as user plugins.
 */
import type { PluginModule } from '../plugin-api.js';
import capacity from '../../plugins/rule/capacity.js';
import headroom from '../../plugins/rule/headroom.js';
import antiAffinity from '../../plugins/rule/anti-affinity.js';
import affinity from '../../plugins/rule/affinity.js';
import pin from '../../plugins/rule/pin.js';
import zone from '../../plugins/rule/zone.js';
import sharing from '../../plugins/rule/sharing.js';
import groupConcurrency from '../../plugins/rule/group-concurrency.js';
import maxMoves from '../../plugins/rule/max-moves.js';
import downtime from '../../plugins/rule/downtime.js';
import overcommit from '../../plugins/overcommit/overcommit.js';
import ram from '../../plugins/cost/ram.js';
import count from '../../plugins/cost/count.js';
import duration from '../../plugins/cost/duration.js';
import heuristic from '../../plugins/engine/heuristic.js';
import exact from '../../plugins/engine/exact.js';
import auto from '../../plugins/engine/auto.js';
import consolidate from '../../plugins/strategy/consolidate.js';
import rebalance from '../../plugins/strategy/rebalance.js';
import evacuate from '../../plugins/strategy/evacuate.js';
import sharingAware from '../../plugins/strategy/sharing-aware.js';
import scoped from '../../plugins/strategy/scoped.js';

export const BUILTINS: ReadonlyArray<[manifest: string, module: PluginModule<unknown>]> = [
  ['rule/capacity.json', capacity],
  ['rule/headroom.json', headroom],
  ['rule/anti-affinity.json', antiAffinity],
  ['rule/affinity.json', affinity],
  ['rule/pin.json', pin],
  ['rule/zone.json', zone],
  ['rule/sharing.json', sharing],
  ['rule/group-concurrency.json', groupConcurrency],
  ['rule/max-moves.json', maxMoves],
  ['rule/downtime.json', downtime],
  ['overcommit/overcommit.json', overcommit],
  ['cost/ram.json', ram],
  ['cost/count.json', count],
  ['cost/duration.json', duration],
  ['engine/heuristic.json', heuristic],
  ['engine/exact.json', exact],
  ['engine/auto.json', auto],
  ['strategy/consolidate.json', consolidate],
  ['strategy/rebalance.json', rebalance],
  ['strategy/evacuate.json', evacuate],
  ['strategy/sharing-aware.json', sharingAware],
  ['strategy/scoped.json', scoped],
];

