import type { OvercommitRule, PluginModule } from '../../src/sdk.js';
import type { Model } from '../../src/sdk.js';
import { globToRegExp } from '../../src/sdk.js';

interface Override {
  hosts?: string;
  zone?: string;
  allocationRatio?: Record<string, number>;
  reserved?: Record<string, number>;
}

const overcommit: PluginModule<OvercommitRule> = {
  create(options) {
    const overrides = (options['overrides'] as Override[]).map((o) => ({ ...o, re: o.hosts ? globToRegExp(o.hosts) : undefined }));
    return {
      name: 'overcommit',
      usable(model: Model): Float64Array {
        const R = model.resources.length;
        const reserved = Float64Array.from(model.reserved);
        const ratio = Float64Array.from(model.allocationRatio);
        for (const o of overrides) {
          for (const host of model.hosts) {
            if (o.re && !o.re.test(host.name)) continue;
            if (o.zone !== undefined && host.zone !== o.zone) continue;
            model.resources.forEach((r, j) => {
              const i = host.index * R + j;
              if (o.allocationRatio?.[r] !== undefined) ratio[i] = o.allocationRatio[r]!;
              if (o.reserved?.[r] !== undefined) reserved[i] = o.reserved[r]!;
            });
          }
        }
        const usable = new Float64Array(model.capacity.length);
        for (let i = 0; i < usable.length; i++) {
          const c = model.capacity[i]!;
          usable[i] = c === Infinity ? Infinity : Math.max(0, c - reserved[i]!) * ratio[i]!;
        }
        return usable;
      },
    };
  },
};
export default overcommit;
