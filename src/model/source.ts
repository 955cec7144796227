/**
 * `Model.source`: the instance document a model was compiled from, without keeping the parsed
 * document alive (its VMs and assignments are most of a large instance's memory). Every key but
 * `vms`, `placement` and `target` is kept as given (hosts, limits, network, policy, resources,
 * x- keys); those three are rebuilt from the model when read, equal to the input's values (key
 * order aside). A VM the model cannot rebuild exactly (an x- key, a zero or x- demand, an empty
 * demand) keeps its own object, as do x- keys of the assignments. A rebuilt part is cached
 * weakly: reads in one synchronous run share it, and it is freed when nobody holds it.
 */
import type { InstanceDoc, VmDoc } from './instance.js';
import type { VmInfo } from './model.js';

/** What the model keeps beyond its own arrays to rebuild the document's VMs and assignments. */
export interface SourceParts {
  readonly resources: readonly string[];
  readonly hostNames: readonly string[];
  readonly vms: readonly VmInfo[];
  readonly demand: Float64Array;
  readonly placement: Int32Array;
  readonly target: Int32Array;
  /** 1 where the document's target lists the VM (possibly at its placement). */
  readonly listed: Uint8Array | undefined;
  /** VMs kept as given, by index (those a rebuild would not reproduce). */
  readonly verbatim: ReadonlyMap<number, VmDoc>;
  /** x- keys of `placement` and of `target`, with their values. */
  readonly placementExtras: Readonly<Record<string, string>>;
  readonly targetExtras: Readonly<Record<string, string>>;
}

/** Shared stand-ins for an absent `sla` or `attributes`: a rebuilt VM leaves them out. */
export const NO_SLA = Object.freeze({});
export const NO_ATTRIBUTES: Readonly<Record<string, unknown>> = Object.freeze({});

const REBUILT = new Set(['vms', 'placement', 'target']);

/** The compact source of `doc`; `parts` rebuild what it does not keep. */
export function compactSource(doc: InstanceDoc, parts: SourceParts): InstanceDoc {
  const builders: Record<string, () => object> = {
    vms: () => vmDocs(parts),
    placement: () => assignment(parts, parts.placement, undefined, parts.placementExtras),
    target: () => assignment(parts, parts.target, parts.listed, parts.targetExtras),
  };
  const source: Record<string, unknown> = {};
  // the document's own key order, so that a source written out reads like its input
  for (const key in doc) {
    if (!Object.hasOwn(doc, key)) continue;
    const value = (doc as unknown as Record<string, unknown>)[key];
    if (REBUILT.has(key) && value !== undefined) lazy(source, key, builders[key]!);
    else source[key] = value;
  }
  return source as unknown as InstanceDoc;
}

/** An enumerable getter (spreading the source copies the value) whose value is cached weakly. */
function lazy(on: Record<string, unknown>, key: string, build: () => object): void {
  let cache: WeakRef<object> | undefined;
  Object.defineProperty(on, key, {
    enumerable: true,
    get() {
      let value = cache?.deref();
      if (!value) { value = build(); cache = new WeakRef(value); }
      return value;
    },
  });
}

function vmDocs(p: SourceParts): VmDoc[] {
  const R = p.resources.length;
  return p.vms.map((info, v) => {
    const kept = p.verbatim.get(v);
    if (kept) return kept;
    const doc: VmDoc = { name: info.name };
    let demand: Record<string, number> | undefined;
    for (let r = 0; r < R; r++) {
      const amount = p.demand[v * R + r]!;
      if (amount !== 0) (demand ??= {})[p.resources[r]!] = amount;
    }
    if (demand) doc.demand = demand;
    if (info.group !== undefined) doc.group = info.group;
    if (info.image !== undefined) doc.image = info.image;
    if (info.sla !== NO_SLA) doc.sla = info.sla;
    if (info.attributes !== NO_ATTRIBUTES) doc.attributes = info.attributes as Record<string, unknown>;
    return doc;
  });
}

function assignment(p: SourceParts, hosts: Int32Array, listed: Uint8Array | undefined, extras: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let v = 0; v < p.vms.length; v++) {
    if (listed && !listed[v]) continue;
    const h = hosts[v]!;
    if (h >= 0) out[p.vms[v]!.name] = p.hostNames[h]!;
  }
  return Object.assign(out, extras);
}
