/**
 * The built-in strategies by name, for strategies that wrap another (scoped).
 * The kernel registers them through src/kernel/builtins.ts like every plugin.
 */
import type { PlacementStrategy, PluginModule } from '../plugin-api.js';
import consolidate from '../../plugins/strategy/consolidate.js';
import rebalance from '../../plugins/strategy/rebalance.js';
import evacuate from '../../plugins/strategy/evacuate.js';
import sharingAware from '../../plugins/strategy/sharing-aware.js';

export const WRAPPABLE_STRATEGIES: Readonly<Record<string, { manifest: string; module: PluginModule<PlacementStrategy> }>> = {
  consolidate: { manifest: 'strategy/consolidate.json', module: consolidate },
  rebalance: { manifest: 'strategy/rebalance.json', module: rebalance },
  evacuate: { manifest: 'strategy/evacuate.json', module: evacuate },
  'sharing-aware': { manifest: 'strategy/sharing-aware.json', module: sharingAware },
};
