/**
 * Frozen copy (round 5, helper "vmload") of VmCompiler as it was before VM records were read
 * from bytes (src/model/model.ts at 657e6f3): the oracle that the byte reader and the current
 * compiler must agree with. Never edit.
 */
import type { VmDoc } from '../../../src/model/instance.js';
import type { VmInfo } from '../../../src/model/model.js';
import { NO_ATTRIBUTES, NO_SLA } from '../../../src/model/source.js';

const isExtension = (key: string) => key.startsWith('x-');

/** Whether `key` is one of a VM document's own keys (anything else is an x- key). */
function vmKey(key: string): boolean {
  switch (key) {
    case 'name': case 'demand': case 'group': case 'image': case 'sla': case 'attributes': return true;
    default: return false;
  }
}

/**
 * VM infos and demands, VM by VM in index order into arrays sized up front; `verbatim`: the
 * VMs whose documents the model cannot rebuild exactly (another key, an x- or zero demand, an
 * empty demand), kept for `Model.source`.
 */
export class ReferenceVmCompiler {
  readonly demand: Float64Array;
  readonly infos: VmInfo[];
  readonly verbatim = new Map<number, VmDoc>();
  private readonly R: number;
  private readonly column: Map<string, number>;

  constructor(resources: readonly string[], count: number) {
    this.R = resources.length;
    this.column = new Map(resources.map((r, j) => [r, j]));
    this.demand = new Float64Array(count * this.R);
    this.infos = new Array<VmInfo>(count);
  }

  /** Compiles VM `i`; false when it demands a resource that is neither a column nor an x- key (not counted). */
  add(v: VmDoc, i: number): boolean {
    const R = this.R;
    let exact = true;
    let known = true;
    for (const key in v) if (!vmKey(key)) exact = false;
    const d = v.demand;
    if (d !== undefined) {
      let listed = 0;
      for (const r in d) { // a JSON object: no enumerable inherited keys
        const amount = d[r]!;
        const j = isExtension(r) ? undefined : this.column.get(r);
        if (j === undefined) known &&= isExtension(r);
        if (j === undefined || amount === 0) exact = false;
        else this.demand[i * R + j] = amount;
        listed++;
      }
      if (listed === 0) exact = false;
    }
    if (!exact) this.verbatim.set(i, v);
    this.infos[i] = { index: i, name: v.name, group: v.group, image: v.image, sla: v.sla ?? NO_SLA, attributes: v.attributes ?? NO_ATTRIBUTES };
    return known;
  }
}

