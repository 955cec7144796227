/** Checks of meaning that a JSON Schema cannot express: names, references, completeness. */
import type { InstanceDoc } from '../model/instance.js';
import { describeValue, pointer, type InputIssue } from './errors.js';

const isExtension = (k: string) => k.startsWith('x-');

export function referenceIssues(doc: InstanceDoc): InputIssue[] {
  const issues: InputIssue[] = [];
  const hosts = new Map<string, number>();
  doc.hosts.forEach((h, i) => {
    const first = hosts.get(h.name);
    if (first !== undefined) issues.push({ path: pointer('hosts', i, 'name'), message: `duplicate host name ${describeValue(h.name)} (first at /hosts/${first})` });
    else hosts.set(h.name, i);
    for (const [r, amount] of Object.entries(h.reserved ?? {})) {
      const cap = h.capacity?.[r];
      if (!isExtension(r) && cap !== undefined && amount > cap) {
        issues.push({ path: pointer('hosts', i, 'reserved', r), message: `reserved ${amount} exceeds capacity ${cap}` });
      }
    }
  });
  const vms = new Map<string, number>();
  doc.vms.forEach((v, i) => {
    const first = vms.get(v.name);
    if (first !== undefined) issues.push({ path: pointer('vms', i, 'name'), message: `duplicate VM name ${describeValue(v.name)} (first at /vms/${first})` });
    else vms.set(v.name, i);
  });
  const assignment = (key: 'placement' | 'target') => {
    const map = doc[key] ?? {};
    // for-in, not Object.entries: no array of a million pairs
    for (const vm in map) {
      if (!Object.hasOwn(map, vm) || isExtension(vm)) continue;
      const host = map[vm]!;
      if (!vms.has(vm)) issues.push({ path: pointer(key, vm), message: `unknown VM ${describeValue(vm)}` });
      if (!hosts.has(host)) issues.push({ path: pointer(key, vm), message: `unknown host ${describeValue(host)}` });
    }
  };
  assignment('placement');
  assignment('target');
  issues.push(...resourceIssues(doc));
  doc.vms.forEach((v, i) => {
    if (doc.placement[v.name] === undefined) issues.push({ path: pointer('placement', v.name), message: `VM ${describeValue(v.name)} (at /vms/${i}) has no placement; every VM must be placed` });
  });
  return issues;
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
  const demanded = new Set<string>();
  for (const v of doc.vms) for (const r in v.demand) if (Object.hasOwn(v.demand!, r)) demanded.add(r);
  const limited = new Set(doc.hosts.flatMap((h) => Object.keys(h.capacity ?? {})).filter((r) => !isExtension(r)));
  return [...limited].filter((r) => !demanded.has(r)).sort().map((r) => `hosts have a capacity of ${describeValue(r)}, but no VM demands it`);
}
