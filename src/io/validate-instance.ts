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
    for (const [vm, host] of Object.entries(doc[key] ?? {})) {
      if (isExtension(vm)) continue;
      if (!vms.has(vm)) issues.push({ path: pointer(key, vm), message: `unknown VM ${describeValue(vm)}` });
      if (!hosts.has(host)) issues.push({ path: pointer(key, vm), message: `unknown host ${describeValue(host)}` });
    }
  };
  assignment('placement');
  assignment('target');
  doc.vms.forEach((v, i) => {
    if (doc.placement[v.name] === undefined) issues.push({ path: pointer('placement', v.name), message: `VM ${describeValue(v.name)} (at /vms/${i}) has no placement; every VM must be placed` });
  });
  return issues;
}
