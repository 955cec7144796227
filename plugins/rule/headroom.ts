import type { PluginModule, SanityRule } from '../../src/sdk.js';
import { limitRule } from './capacity.js';

interface HeadroomOptions { fraction: number | Record<string, number> }

const headroom: PluginModule<SanityRule> = {
  create(options, { model, usable }) {
    if (!usable) throw new Error('headroom needs the usable amounts');
    const { fraction } = options as unknown as HeadroomOptions;
    const R = model.resources.length;
    const limit = new Float64Array(usable.length);
    for (let r = 0; r < R; r++) {
      const f = typeof fraction === 'number' ? fraction : (fraction[model.resources[r]!] ?? 0);
      for (let h = 0; h < model.hosts.length; h++) {
        const u = usable[h * R + r]!;
        limit[h * R + r] = u === Infinity ? Infinity : u * (1 - f);
      }
    }
    return limitRule('headroom', model, limit, 'usable less headroom');
  },
};
export default headroom;
