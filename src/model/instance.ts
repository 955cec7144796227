/** Instance format v1, as written by users (see schemas/instance.schema.json). */

export type ResourceMap = Record<string, number>;

export interface HostDoc {
  name: string;
  capacity?: ResourceMap;
  reserved?: ResourceMap;
  allocationRatio?: ResourceMap;
  zone?: string;
  maxOutgoing?: number | null;
  maxIncoming?: number | null;
  /** Receives no migration (a disabled Nova compute service); may still send. */
  disabled?: boolean;
  attributes?: Record<string, unknown>;
}

export interface VmDoc {
  name: string;
  demand?: ResourceMap;
  group?: string;
  image?: string;
  sla?: SlaDoc;
  attributes?: Record<string, unknown>;
}

/** A VM's service-level promises while it is moved (issue 12). */
export interface SlaDoc {
  /** Longest pause a live migration may cause, in milliseconds. */
  maxDowntimeMs?: number;
  /** May be stopped, moved and started (cold migration), when the plan allows it. */
  cold?: boolean;
  /** May be shelved and unshelved elsewhere, when the plan allows it. */
  shelve?: boolean;
}

export interface LimitsDoc {
  maxOutgoingPerHost?: number | null;
  maxIncomingPerHost?: number | null;
  maxPerWave?: number | null;
}

/** A plugin reference in a policy: its name, or its name with options. */
export type PluginRef = string | { name: string; options?: Record<string, unknown> };

export interface PolicyDoc {
  cost?: PluginRef;
  rules?: PluginRef[];
  overcommit?: PluginRef;
  engine?: PluginRef;
  strategy?: PluginRef;
  objective?: Objective;
  /** Disruptive actions the planner may use where no live plan exists (only on VMs whose sla allows them). */
  allow?: AllowedAction[];
}

/** A disruptive action a policy can permit (`shelve` permits its unshelve too). */
export type AllowedAction = 'cold' | 'shelve';

/** A link of the network: `capacity` Mb/s each way (full duplex). */
export interface NetworkLinkDoc { name: string; capacity: number }

/** The links migrations cross (src/model/network.ts): per host, its links up a tree. */
export interface NetworkDoc {
  links: NetworkLinkDoc[];
  /** Host name -> links up the tree, the host's own uplink first. */
  hosts: Record<string, string[]>;
}

/** What the planner optimises first: cost then makespan (default), makespan then cost, or cost then fewest waves. */
export type Objective = 'cost' | 'makespan' | 'waves';

/** A resource VMs may demand, declared by name (with its unit, for people). */
export interface ResourceDoc {
  name: string;
  unit?: string;
}

export interface InstanceDoc {
  /** Resources by name; a demand of one that neither this list nor any host's capacity names is an error. */
  resources?: ResourceDoc[];
  hosts: HostDoc[];
  vms: VmDoc[];
  placement: Record<string, string>;
  target?: Record<string, string>;
  limits?: LimitsDoc;
  network?: NetworkDoc;
  policy?: PolicyDoc;
}
