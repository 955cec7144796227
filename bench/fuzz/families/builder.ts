/** A small builder for hand-shaped instances: hosts with capacities, VMs with a placement and a target. */
import type { HostDoc, InstanceDoc, ResourceMap } from '../../../src/model/instance.js';

export class DocBuilder {
  readonly doc: InstanceDoc = { hosts: [], vms: [], placement: {}, target: {} };

  host(name: string, capacity: ResourceMap, extra: Partial<HostDoc> = {}): string {
    this.doc.hosts.push({ name, capacity, ...extra });
    return name;
  }

  /** A VM on `at`, to move to `to` (stays when omitted). */
  vm(name: string, demand: ResourceMap, at: string, to?: string): string {
    this.doc.vms.push({ name, demand });
    this.doc.placement[name] = at;
    if (to !== undefined && to !== at) this.doc.target![name] = to;
    return name;
  }
}
