/**
 * evacuate: empties the given hosts (names or globs: maintenance, failing hardware,
 * repurposing). Their VMs, largest first, go to the other host with the most room
 * (fit "spread") or to the fullest used host that takes them (fit "pack"). Every other
 * VM stays, unless one must make room: then the fewest, smallest VMs of one host that
 * let the evacuee in move to hosts that have not given room themselves (so nothing
 * moves in a cycle: the target stays reachable by direct migrations).
 */
import type { PluginModule, Problem } from '../../src/sdk.js';
import { InputError } from '../../src/sdk.js';
import { globToRegExp } from '../../src/sdk.js';
import { Packer } from '../../src/sdk.js';
import { checkedTarget, NoTargetError, type ReportingStrategy } from '../../src/sdk.js';
import { minimalRemoval } from '../../src/sdk.js';

export interface EvacuateOptions {
  hosts: string[];
  fit: 'spread' | 'pack';
  /** Let other VMs move to make room (default true). */
  makeRoom: boolean;
  /** Hosts tried when making room for one VM, those with most room first. */
  roomTries: number;
}

export function evacuateTarget(problem: Problem, evacuated: Uint8Array, options: EvacuateOptions): { target: Int32Array; bystanders: number } {
  const { model } = problem;
  const packer = new Packer(problem);
  const H = packer.H;
  const leaving = packer.decreasing([...Array(packer.V).keys()].filter((v) => evacuated[model.placement[v]!]));
  for (const v of leaving) {
    if (packer.fixed[v]) throw new NoTargetError(`evacuate: VM ${model.vms[v]!.name} may not move (a rule pins it) and its host ${model.hosts[model.placement[v]!]!.name} is to be emptied`);
  }
  for (const v of leaving) packer.remove(v);
  const others = [...Array(H).keys()].filter((h) => !evacuated[h]);
  const gave = new Uint8Array(H);
  let bystanders = 0;

  const pick = (v: number, exclude: (h: number) => boolean = () => false): number => {
    const pool = others.filter((h) => !exclude(h));
    if (options.fit === 'spread') return packer.choose(v, pool, 'worst-fit');
    const used = packer.choose(v, pool.filter((h) => packer.used(h)), 'best-fit');
    return used >= 0 ? used : packer.choose(v, pool, 'best-fit');
  };

  /** Moves the fewest, smallest VMs of one host elsewhere so that v fits there; the host, or -1. */
  const makeRoom = (v: number): number => {
    const hosts = others.slice().sort((a, b) => packer.room(b) - packer.room(a) || a - b).slice(0, options.roomTries);
    for (const g of hosts) {
      const own = [...packer.draft.vmsOn(g)].filter((u) => !packer.fixed[u] && model.placement[u] === g);
      own.sort((a, b) => packer.size[a]! - packer.size[b]! || a - b);
      const needed = minimalRemoval(own, (u) => packer.remove(u), (u) => packer.place(u, g), () => packer.fits(v, g));
      if (!needed) continue;
      packer.place(v, g);
      let all = true;
      for (const u of packer.decreasing(needed)) {
        const k = pick(u, (h) => h === g || gave[h] === 1);
        if (k < 0) { all = false; break; }
        packer.place(u, k);
      }
      if (all) { gave[g] = 1; bystanders += needed.length; return g; }
      packer.remove(v);
      for (const u of needed) packer.place(u, g);
    }
    return -1;
  };

  for (const v of leaving) {
    let g = pick(v);
    if (g < 0 && options.makeRoom) g = makeRoom(v);
    if (g < 0) throw new NoTargetError(`evacuate: VM ${model.vms[v]!.name} fits on no remaining host${options.makeRoom ? ', even after moving others' : ''}`);
    if (packer.draft.hostOf(v) !== g) packer.place(v, g);
  }
  return { target: packer.target(), bystanders };
}

const evacuate: PluginModule<ReportingStrategy> = {
  create(raw, { model }) {
    const options = raw as unknown as EvacuateOptions;
    if (!options.hosts) throw new InputError('evacuate', [{ path: '/options/hosts', message: 'is required: the hosts to empty (names or globs)' }]);
    const patterns = options.hosts.map(globToRegExp);
    const evacuated = new Uint8Array(model.hosts.length);
    model.hosts.forEach((h, i) => { if (patterns.some((p) => p.test(h.name))) evacuated[i] = 1; });
    const unmatched = options.hosts.map((p, i) => ({ p, i })).filter(({ p }) => !model.hosts.some((h) => globToRegExp(p).test(h.name)));
    if (unmatched.length) throw new InputError('evacuate', unmatched.map(({ p, i }) => ({ path: `/options/hosts/${i}`, message: `matches no host (got ${JSON.stringify(p)})` })));
    if (evacuated.every((e) => e === 1)) throw new InputError('evacuate', [{ path: '/options/hosts', message: 'would empty every host' }]);
    let notes: string[] = [];
    return {
      name: 'evacuate',
      get notes() { return notes; },
      async choose(problem) {
        const r = evacuateTarget(problem, evacuated, options);
        const names = model.hosts.filter((_, i) => evacuated[i]).map((h) => h.name);
        const moved = [...r.target].filter((h, v) => evacuated[model.placement[v]!] && h !== model.placement[v]).length;
        notes = [`emptied ${names.length} host${names.length === 1 ? '' : 's'} (${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}): ${moved} VM${moved === 1 ? '' : 's'} evacuated, ${r.bystanders} other${r.bystanders === 1 ? '' : 's'} moved to make room`];
        return checkedTarget(problem, r.target, 'evacuate');
      },
    };
  },
};
export default evacuate;
