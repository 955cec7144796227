/** The replay verifier as it was before issue 15's fifth round (helper "replay"), kept as the oracle of test/replay-equivalence.test.ts. Never edit it. */
/**
 * A placement with some VMs in flight. A migrating VM counts on its source and on
 * its destination until its wave ends (Nova claims the destination before it
 * releases the source), so loads here always include both ends.
 *
 * Disruptive actions (plan v2): a cold move counts like a live one. A shelving VM counts on
 * its source until its wave ends and is then on no host (hostOf -1, SHELVED); an unshelving
 * VM is on no host and counts on its destination (destinationOf) until its wave ends.
 */
import type { Model } from '../../../src/model/model.js';

/** Read-only view handed to rule plugins. */
export interface StateView {
  readonly model: Model;
  /** Usable amount per [host * R + r], after over-commit rules. */
  readonly usable: Float64Array;
  /** Host the VM is on; its source while it is in flight; -1 while it is shelved. */
  hostOf(vm: number): number;
  /** Destination while in flight, otherwise -1. */
  destinationOf(vm: number): number;
  /** VMs present on the host: settled there, leaving it or arriving at it. */
  vmsOn(host: number): Iterable<number>;
  /** Load of resource index r on the host, in-flight VMs included. */
  load(host: number, r: number): number;
}

export class PlacementState implements StateView {
  readonly R: number;
  private readonly at: Int32Array;
  private readonly dest: Int32Array;
  private readonly loads: Float64Array;
  /**
   * The VMs on each host, in the order they arrived there (as a Set would keep them), as
   * linked lists in typed arrays: no per-host object, no hashing. A VM is on at most two
   * hosts at once (source and destination), so it has two list slots, 2 * vm and 2 * vm + 1.
   */
  private readonly slotHost: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly count: Int32Array;
  private readonly outgoing: Int32Array;
  private readonly incoming: Int32Array;
  private readonly flying: number[] = [];
  /** 1 while the VM is being shelved in the current wave. */
  private readonly shelving: Uint8Array;

  constructor(readonly model: Model, readonly usable: Float64Array, placement: Int32Array = model.placement) {
    const H = model.hosts.length;
    this.R = model.resources.length;
    this.at = Int32Array.from(placement);
    this.dest = new Int32Array(placement.length).fill(-1);
    this.shelving = new Uint8Array(placement.length);
    this.loads = new Float64Array(H * this.R);
    this.slotHost = new Int32Array(2 * placement.length).fill(-1);
    this.next = new Int32Array(2 * placement.length);
    this.prev = new Int32Array(2 * placement.length);
    this.head = new Int32Array(H).fill(-1);
    this.tail = new Int32Array(H).fill(-1);
    this.count = new Int32Array(H);
    this.outgoing = new Int32Array(H);
    this.incoming = new Int32Array(H);
    for (let v = 0; v < this.at.length; v++) if (this.at[v]! >= 0) this.add(v, this.at[v]!);
  }

  hostOf(vm: number): number { return this.at[vm]!; }
  destinationOf(vm: number): number { return this.dest[vm]!; }
  /** The VMs on the host in arrival order, as a fresh array (changing the state does not change it). */
  vmsOn(host: number): number[] {
    const out = new Array<number>(this.count[host]!);
    let i = 0;
    for (let slot = this.head[host]!; slot >= 0; slot = this.next[slot]!) out[i++] = slot >> 1;
    return out;
  }
  /** Writes the VMs on the host, in arrival order, to out[0 .. countOn(host)) (no array per call, for hot loops). */
  copyVmsOn(host: number, out: Int32Array): number {
    let i = 0;
    for (let slot = this.head[host]!; slot >= 0; slot = this.next[slot]!) out[i++] = slot >> 1;
    return i;
  }
  countOn(host: number): number { return this.count[host]!; }
  load(host: number, r: number): number { return this.loads[host * this.R + r]!; }
  get inFlight(): readonly number[] { return this.flying; }
  outgoingOf(host: number): number { return this.outgoing[host]!; }
  incomingOf(host: number): number { return this.incoming[host]!; }
  /** Current hosts of all VMs (sources for those in flight). */
  snapshot(): Int32Array { return Int32Array.from(this.at); }

  /** Starts a migration in the current wave; the VM now counts on both hosts. */
  beginMove(vm: number, to: number): void {
    const from = this.at[vm]!;
    if (this.dest[vm] !== -1) throw new Error(`VM ${vm} is already in flight`);
    if (from === to) throw new Error(`VM ${vm} is already on host ${to}`);
    this.dest[vm] = to;
    this.add(vm, to);
    this.outgoing[from]!++;
    this.incoming[to]!++;
    this.flying.push(vm);
  }

  /** True while the VM takes part in the current wave (moving, shelving or unshelving). */
  isBusy(vm: number): boolean { return this.dest[vm] !== -1 || this.shelving[vm] === 1; }

  /** Starts shelving a settled VM: it holds its host's resources and slot until the wave ends. */
  beginShelve(vm: number): void {
    const from = this.at[vm]!;
    if (from < 0) throw new Error(`VM ${vm} is shelved already`);
    if (this.isBusy(vm)) throw new Error(`VM ${vm} is already in flight`);
    this.shelving[vm] = 1;
    this.outgoing[from]!++;
    this.flying.push(vm);
  }

  /** Starts unshelving a shelved VM onto the host: it holds the host's resources and slot from now on. */
  beginUnshelve(vm: number, to: number): void {
    if (this.at[vm] !== SHELVED) throw new Error(`VM ${vm} is not shelved`);
    if (this.dest[vm] !== -1) throw new Error(`VM ${vm} is already in flight`);
    this.dest[vm] = to;
    this.add(vm, to);
    this.incoming[to]!++;
    this.flying.push(vm);
  }

  /** Undoes beginMove of the most recently started migration of this wave. */
  cancelMove(vm: number): void {
    const to = this.dest[vm]!;
    const i = this.flying.lastIndexOf(vm);
    if (to < 0 || i < 0) throw new Error(`VM ${vm} is not in flight`);
    // The later ones shifted down: splice would allocate an array of the removed item on every call.
    for (let k = i + 1; k < this.flying.length; k++) this.flying[k - 1] = this.flying[k]!;
    this.flying.pop();
    this.dest[vm] = -1;
    this.drop(vm, to);
    this.outgoing[this.at[vm]!]!--;
    this.incoming[to]!--;
  }

  /** Ends the wave: every migrating VM leaves its source. Returns the VMs that moved. */
  finishWave(): number[] {
    const moved = this.flying.splice(0);
    for (const vm of moved) {
      const from = this.at[vm]!;
      if (from >= 0) {
        this.drop(vm, from);
        this.outgoing[from] = 0;
      }
      this.at[vm] = this.shelving[vm] ? SHELVED : this.dest[vm]!;
      this.shelving[vm] = 0;
      this.dest[vm] = -1;
      if (this.at[vm]! >= 0) this.incoming[this.at[vm]!] = 0;
    }
    return moved;
  }

  /**
   * Takes a settled VM off its host, to ask "would this fit without it?".
   * Must be undone with restore() before anything else changes.
   */
  withdraw(vm: number): void {
    if (this.dest[vm] !== -1) throw new Error(`VM ${vm} is in flight`);
    this.drop(vm, this.at[vm]!);
  }

  restore(vm: number): void {
    this.add(vm, this.at[vm]!);
  }

  /** Puts a settled VM on another host at once, outside any wave (for searches over placements). */
  relocate(vm: number, host: number): void {
    if (this.dest[vm] !== -1) throw new Error(`VM ${vm} is in flight`);
    this.drop(vm, this.at[vm]!);
    this.at[vm] = host;
    this.add(vm, host);
  }

  private add(vm: number, host: number): void {
    const R = this.R;
    const d = this.model.demand;
    for (let r = 0; r < R; r++) this.loads[host * R + r]! += d[vm * R + r]!;
    this.link(vm, host);
  }

  private drop(vm: number, host: number): void {
    const R = this.R;
    const d = this.model.demand;
    for (let r = 0; r < R; r++) this.loads[host * R + r]! -= d[vm * R + r]!;
    this.unlink(vm, host);
  }

  /** Appends the VM to the host's list (nothing when it is there already, as Set.add). */
  private link(vm: number, host: number): void {
    const a = 2 * vm;
    if (this.slotHost[a] === host || this.slotHost[a + 1] === host) return;
    const slot = this.slotHost[a] === -1 ? a : this.slotHost[a + 1] === -1 ? a + 1 : -1;
    if (slot < 0) throw new Error(`VM ${vm} is on two hosts already`);
    const last = this.tail[host]!;
    this.slotHost[slot] = host;
    this.prev[slot] = last;
    this.next[slot] = -1;
    if (last >= 0) this.next[last] = slot; else this.head[host] = slot;
    this.tail[host] = slot;
    this.count[host]!++;
  }

  /** Takes the VM out of the host's list (nothing when it is not there, as Set.delete). */
  private unlink(vm: number, host: number): void {
    const a = 2 * vm;
    const slot = this.slotHost[a] === host ? a : this.slotHost[a + 1] === host ? a + 1 : -1;
    if (slot < 0) return;
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p >= 0) this.next[p] = n; else this.head[host] = n;
    if (n >= 0) this.prev[n] = p; else this.tail[host] = p;
    this.slotHost[slot] = -1;
    this.count[host]!--;
  }
}

/** hostOf of a shelved VM. */
export const SHELVED = -1;

/** Tolerance for sums of fractional amounts (vCPU ratios, GB). */
export const EPSILON = 1e-9;

export function exceeds(load: number, limit: number): boolean {
  return load > limit + EPSILON * Math.max(1, Math.abs(limit));
}
