/**
 * A target under construction: every VM settled on a host or not placed yet.
 * It is a StateView, so strategies ask the rules' own admits() about it (a VM not
 * placed counts nowhere; nothing is ever in flight).
 */
import type { Model } from '../model/model.js';
import type { StateView } from '../model/state.js';

export class Draft implements StateView {
  readonly R: number;
  private readonly at: Int32Array;
  private readonly loads: Float64Array;
  private readonly members: Set<number>[];

  constructor(readonly model: Model, readonly usable: Float64Array, placement?: Int32Array) {
    this.R = model.resources.length;
    this.at = new Int32Array(model.vms.length).fill(-1);
    this.loads = new Float64Array(model.hosts.length * this.R);
    this.members = Array.from({ length: model.hosts.length }, () => new Set<number>());
    if (placement) for (let v = 0; v < placement.length; v++) this.place(v, placement[v]!);
  }

  hostOf(vm: number): number { return this.at[vm]!; }
  destinationOf(): number { return -1; }
  vmsOn(host: number): Set<number> { return this.members[host]!; }
  countOn(host: number): number { return this.members[host]!.size; }
  load(host: number, r: number): number { return this.loads[host * this.R + r]!; }
  /** Host per VM (-1 where not placed). */
  snapshot(): Int32Array { return Int32Array.from(this.at); }

  place(vm: number, host: number): void {
    if (this.at[vm] !== -1) this.remove(vm);
    this.at[vm] = host;
    const R = this.R;
    const d = this.model.demand;
    for (let r = 0; r < R; r++) this.loads[host * R + r]! += d[vm * R + r]!;
    this.members[host]!.add(vm);
  }

  remove(vm: number): void {
    const host = this.at[vm]!;
    if (host < 0) return;
    const R = this.R;
    const d = this.model.demand;
    for (let r = 0; r < R; r++) this.loads[host * R + r]! -= d[vm * R + r]!;
    this.members[host]!.delete(vm);
    this.at[vm] = -1;
  }

  usedHosts(): number {
    let n = 0;
    for (const m of this.members) if (m.size > 0) n++;
    return n;
  }
}
