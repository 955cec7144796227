/** Checks of meaning that a JSON Schema cannot express: names, references, completeness. */
import type { InstanceDoc } from '../model/instance.js';
import { describeValue, pointer, type InputIssue } from './errors.js';
import type { SchemaValidator } from './schemas.js';

const isExtension = (k: string) => k.startsWith('x-');

/**
 * What the reference check learns on its way, for the compiler to use instead of looking every
 * name up again: name -> index of hosts and VMs (the first of duplicates), the host index of
 * each VM's placement and target (-1 where none; the target's -1 means "stays"), which VMs the
 * target lists, and the x- keys of both assignments.
 */
export interface InstanceIndex {
  readonly hostIndex: Map<string, number>;
  readonly vmIndex: ReadonlyMap<string, number>;
  readonly placement: Int32Array;
  readonly target: Int32Array;
  readonly listed: Uint8Array | undefined;
  readonly placementExtras: Record<string, string>;
  readonly targetExtras: Record<string, string>;
}

/**
 * The schema check (it throws an InputError) and the reference check with its name index, for
 * `loadInstance`. Placement and target hold an entry per VM: instead of the schema validator
 * enumerating them and the index again, the validator checks the instance without them and the
 * index checks what the schema says of them (every value but an x- key's a non-empty string);
 * when either says no, the whole schema check runs and gives its usual messages.
 */
export function checkInstance(schemas: SchemaValidator, doc: unknown, source: string): { issues: InputIssue[]; index: InstanceIndex } {
  const rest = schemas.ownSchemas ? withoutAssignments(doc) : undefined;
  if (!rest || !schemas.valid('instance', rest)) {
    schemas.assert('instance', doc, source);
    return indexInstance(doc as InstanceDoc);
  }
  const checked = indexInstance(doc as InstanceDoc);
  if (!checked.assignmentsAreNames) schemas.assert('instance', doc, source);
  return checked;
}

const isMap = (x: unknown): x is object => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The document with empty placement and target maps (valid for the schema), or undefined when they are not maps. */
function withoutAssignments(doc: unknown): object | undefined {
  if (!isMap(doc)) return undefined;
  const { placement, target } = doc as InstanceDoc;
  if (!isMap(placement) || (target !== undefined && !isMap(target))) return undefined;
  return { ...doc, placement: {}, ...(target !== undefined ? { target: {} } : {}) };
}

export function referenceIssues(doc: InstanceDoc): InputIssue[] {
  return indexInstance(doc).issues;
}

/** The reference check (duplicates, unknown names, unplaced VMs, resources) and the name index it builds. */
export function indexInstance(doc: InstanceDoc): { issues: InputIssue[]; index: InstanceIndex; assignmentsAreNames: boolean } {
  const issues: InputIssue[] = [];
  let assignmentsAreNames = true;
  const hosts = new Map<string, number>();
  doc.hosts.forEach((h, i) => {
    const first = hosts.get(h.name);
    if (first !== undefined) issues.push({ path: pointer('hosts', i, 'name'), message: `duplicate host name ${describeValue(h.name)} (first at /hosts/${first})` });
    else hosts.set(h.name, i);
    for (const r in h.reserved) {
      if (!Object.hasOwn(h.reserved, r)) continue;
      const amount = h.reserved[r]!;
      const cap = h.capacity?.[r];
      if (!isExtension(r) && cap !== undefined && amount > cap) {
        issues.push({ path: pointer('hosts', i, 'reserved', r), message: `reserved ${amount} exceeds capacity ${cap}` });
      }
    }
  });
  const vms = new Map<string, number>();
  for (let i = 0; i < doc.vms.length; i++) {
    const name = doc.vms[i]!.name;
    const first = vms.get(name);
    if (first !== undefined) issues.push({ path: pointer('vms', i, 'name'), message: `duplicate VM name ${describeValue(name)} (first at /vms/${first})` });
    else vms.set(name, i);
  }
  const V = doc.vms.length;
  const placement = new Int32Array(V).fill(-1);
  const target = new Int32Array(V).fill(-1);
  const listed = doc.target ? new Uint8Array(V) : undefined;
  /** Each VM's host in the assignment (-2: listed, host unknown); its x- keys. */
  const assignment = (key: 'placement' | 'target', at: Int32Array): Record<string, string> => {
    const map = doc[key] ?? {};
    const extras: Record<string, string> = {};
    // for-in, not Object.entries: no array of a million pairs; no hasOwn test (a third of the
    // loop's time): a JSON object has no enumerable inherited keys
    for (const vm in map) {
      const host = map[vm]!;
      if (isExtension(vm)) { extras[vm] = host; continue; }
      if (typeof host !== 'string' || host.length === 0) assignmentsAreNames = false;
      const v = vms.get(vm);
      const h = hosts.get(host);
      if (v === undefined) issues.push({ path: pointer(key, vm), message: `unknown VM ${describeValue(vm)}` });
      if (h === undefined) issues.push({ path: pointer(key, vm), message: `unknown host ${describeValue(host)}` });
      if (v !== undefined) at[v] = h ?? -2;
    }
    return extras;
  };
  const placementExtras = assignment('placement', placement);
  const targetExtras = assignment('target', target);
  if (listed) for (let v = 0; v < V; v++) listed[v] = target[v] === -1 ? 0 : 1;
  issues.push(...resourceIssues(doc));
  for (let i = 0; i < V; i++) {
    const name = doc.vms[i]!.name;
    // a duplicate's placement is its first's
    const at = placement[vms.get(name)!]!;
    if (at === -1) issues.push({ path: pointer('placement', name), message: `VM ${describeValue(name)} (at /vms/${i}) has no placement; every VM must be placed` });
  }
  for (let v = 0; v < V; v++) {
    if (placement[v] === -2) placement[v] = -1;
    if (target[v] === -2) target[v] = -1;
  }
  return { issues, assignmentsAreNames, index: { hostIndex: hosts, vmIndex: vms, placement, target, listed, placementExtras, targetExtras } };
}

/** Whether a and b are one edit apart: one letter inserted, deleted, replaced, or two neighbours swapped. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // replaced
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swapped
  }
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  return long.slice(i + 1) === short.slice(i);
}

/** Resources hosts limit and the instance declares. */
function knownResources(doc: InstanceDoc): Set<string> {
  const known = new Set((doc.resources ?? []).map((r) => r.name));
  for (const h of doc.hosts) for (const r of Object.keys(h.capacity ?? {})) if (!isExtension(r)) known.add(r);
  return known;
}

/** A demand of a resource nothing limits or declares is a typo until shown otherwise: nothing would ever limit it. */
export function resourceIssues(doc: InstanceDoc): InputIssue[] {
  const known = knownResources(doc);
  const issues: InputIssue[] = [];
  doc.vms.forEach((v, i) => {
    const demand = v.demand ?? {};
    for (const r in demand) {
      if (!Object.hasOwn(demand, r) || isExtension(r) || known.has(r)) continue;
      const near = [...known].filter((k) => oneEditApart(k, r));
      const hint = near.length ? ` (did you mean ${near.map((k) => describeValue(k)).join(' or ')}?)` : '';
      issues.push({ path: pointer('vms', i, 'demand', r), message: `VM ${describeValue(v.name)} demands ${describeValue(r)}, which no host limits and "resources" does not list${hint}; list it in "resources" if it is meant to be unlimited` });
    }
  });
  return issues;
}

/** Capacities that no VM demands: harmless, but often the other half of a typo. */
export function resourceWarnings(doc: InstanceDoc): string[] {
  const limited = new Set(doc.hosts.flatMap((h) => Object.keys(h.capacity ?? {})).filter((r) => !isExtension(r)));
  const undemanded = new Set(limited);
  // stops at the first VMs that demand every limited resource, as most clouds' first VMs do
  for (let i = 0; i < doc.vms.length && undemanded.size; i++) {
    const demand = doc.vms[i]!.demand;
    for (const r in demand) if (Object.hasOwn(demand, r)) undemanded.delete(r);
  }
  return undemandedWarnings(undemanded);
}

/** The warnings of `resourceWarnings` for the limited resources no VM demands. */
export function undemandedWarnings(undemanded: ReadonlySet<string>): string[] {
  return [...undemanded].sort().map((r) => `hosts have a capacity of ${describeValue(r)}, but no VM demands it`);
}
