/**
 * The parts of BtrPlace's JSON formats that shunt reads and writes, and the naming
 * between BtrPlace's integer ids and shunt's names (`node-<id>`, `vm-<id>`).
 *
 * A BtrPlace instance is `{ model, constraints, objective }`; a model is
 * `{ mapping, attributes, views }`; a reconfiguration plan is `{ origin: <model>, actions }`.
 */

export interface BtrPlaceNodeMapping {
  runningVMs?: number[];
  sleepingVMs?: number[];
}

export interface BtrPlaceMapping {
  onlineNodes: Record<string, BtrPlaceNodeMapping>;
  offlineNodes?: number[];
  readyVMs?: number[];
}

export type BtrPlaceAttributes = Record<string, Record<string, unknown>>;

export interface BtrPlaceShareableResource {
  id: 'shareableResource';
  rcId: string;
  defCapacity?: number;
  defConsumption?: number;
  nodes?: Record<string, number>;
  vms?: Record<string, number>;
}

export interface BtrPlaceLink {
  id: number;
  capacity: number;
  switch: number;
  physicalElement: { id: number; type: 'node' | 'switch' | string };
}

export interface BtrPlaceNetwork {
  id: 'net';
  switches?: { id: number; capacity: number }[];
  links?: BtrPlaceLink[];
  routing?: { type: string };
}

export type BtrPlaceView = { id: string; [key: string]: unknown };

export interface BtrPlaceModel {
  mapping: BtrPlaceMapping;
  attributes?: { nodes?: BtrPlaceAttributes; vms?: BtrPlaceAttributes };
  views?: BtrPlaceView[];
}

export interface BtrPlaceConstraint {
  id: string;
  [key: string]: unknown;
}

export interface BtrPlaceInstance {
  model: BtrPlaceModel;
  constraints?: BtrPlaceConstraint[];
  objective?: { id: string; [key: string]: unknown };
}

/** One action of a BtrPlace reconfiguration plan; times are integer seconds. */
export interface BtrPlaceMigrateVM { id: 'migrateVM'; vm: number; from: number; to: number; start: number; end: number }
export interface BtrPlaceNodeAction { id: 'bootNode' | 'shutdownNode'; node: number; start: number; end: number }
/** A VM stopped on a node (running -> ready) or started on one (ready -> running). */
export interface BtrPlaceVmAction { id: 'shutdownVM' | 'bootVM'; vm: number; on: number; start: number; end: number }
export type BtrPlaceAction = BtrPlaceMigrateVM | BtrPlaceNodeAction | BtrPlaceVmAction;

export const isMigrateVM = (a: BtrPlaceAction): a is BtrPlaceMigrateVM => a.id === 'migrateVM';
export const isNodeAction = (id: BtrPlaceNodeAction['id']) => (a: BtrPlaceAction): a is BtrPlaceNodeAction => a.id === id;

export interface BtrPlacePlan {
  origin: BtrPlaceModel;
  actions: BtrPlaceAction[];
}

export const hostName = (id: number) => `node-${id}`;
export const vmName = (id: number) => `vm-${id}`;

/** The BtrPlace id in a name made by the importer, or undefined for any other name. */
export function idFromName(name: string, kind: 'node' | 'vm'): number | undefined {
  const m = new RegExp(`^${kind}-(0|[1-9][0-9]*)$`).exec(name);
  if (!m) return undefined;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** True when `doc` has the shape of a BtrPlace instance (a model with a mapping of online nodes). */
export function looksLikeBtrPlace(doc: unknown): boolean {
  if (!isObject(doc) || !isObject(doc['model'])) return false;
  const mapping = doc['model']['mapping'];
  return isObject(mapping) && isObject(mapping['onlineNodes']);
}

export const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** A JSON object key that is a BtrPlace id ("0", "17"), as a number. */
export function idOfKey(key: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(key) && Number.isSafeInteger(Number(key)) ? Number(key) : undefined;
}

/** "a, b, c and 12 more": a short list for warnings. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
