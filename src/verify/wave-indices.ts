/**
 * A wave's names as indices, for the replay verifier. A plan is names, and each is looked up
 * in the model's indices; at a million VMs those Map lookups were the verifier's largest cost
 * (cache misses in tables of 1.29 M entries). Code that writes a plan from indices (toWaveDocs)
 * may leave the indices it wrote next to the wave (`rememberIndices`): a remembered index is
 * only a guess, taken when the model's own name for it is the plan's name (===), which is what
 * looking the name up would answer (the names come from the index Maps themselves). Anything
 * else, a changed wave, another model, a plan read from a file, is looked up as before.
 */
import type { Model } from '../model/model.js';
import type { Migration, Wave } from '../model/plan.js';
import { SHELVED } from '../model/state.js';

/** Index of a name the model does not have. */
export const UNKNOWN = -2;

/** A migration as indices: its VM, source and destination (-1 for a missing end). */
export interface IndexedMove { readonly vm: number; readonly from: number; readonly to: number }

const remembered = new WeakMap<Wave, Int32Array>();

/**
 * Notes the moves a wave was written from, one per migration, in order: three integers each
 * (VM, source, destination), not the moves themselves, which would then live, object by
 * object, as long as the plan.
 */
export function rememberIndices(wave: Wave, moves: readonly IndexedMove[]): Wave {
  const packed = new Int32Array(3 * moves.length);
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    packed[3 * i] = m.vm; packed[3 * i + 1] = m.from; packed[3 * i + 2] = m.to;
  }
  remembered.set(wave, packed);
  return wave;
}

const inverses = new WeakMap<ReadonlyMap<string, number>, readonly string[]>();

/**
 * An index Map inverted: per index, the name that the Map maps to it (built once per Map: a
 * model's indices do not change). So `names[i] === name` means `index.get(name) === i`.
 */
function namesOf(index: ReadonlyMap<string, number>, size: number): readonly string[] {
  let names = inverses.get(index);
  if (!names) {
    const inverse = new Array<string>(size);
    index.forEach((i, name) => { if (Number.isInteger(i) && i >= 0 && i < size) inverse[i] = name; });
    inverses.set(index, names = inverse);
  }
  return names;
}

/** The index of a plan's host name (null: the missing end of a shelve or unshelve). */
function hostAt(model: Model, hostNames: readonly string[], name: string | null, guess: number): number {
  if (name === null) return SHELVED;
  if (guess >= 0 && typeof name === 'string' && hostNames[guess] === name) return guess;
  return model.hostIndex.get(name) ?? UNKNOWN;
}

/**
 * The wave's migrations as indices, in one pass before its steps are applied: SHELVED for a
 * missing end, UNKNOWN for a name the model lacks. The arrays are reused from wave to wave;
 * entries past the wave's length are stale.
 */
export class WaveIndices {
  vm = new Int32Array(0);
  from = new Int32Array(0);
  to = new Int32Array(0);

  resolve(model: Model, wave: Wave): this {
    const { migrations } = wave;
    const n = migrations.length;
    if (this.vm.length < n) {
      this.vm = new Int32Array(n);
      this.from = new Int32Array(n);
      this.to = new Int32Array(n);
    }
    const guesses = remembered.get(wave);
    if (guesses && guesses.length === 3 * n) this.guessed(model, migrations, guesses);
    else this.lookedUp(model, migrations);
    return this;
  }

  private guessed(model: Model, migrations: readonly Migration[], guesses: Int32Array): void {
    const vmNames = namesOf(model.vmIndex, model.vms.length);
    const hostNames = namesOf(model.hostIndex, model.hosts.length);
    for (let i = 0; i < migrations.length; i++) {
      const m = migrations[i]!;
      const v = guesses[3 * i]!;
      this.vm[i] = v >= 0 && typeof m.vm === 'string' && vmNames[v] === m.vm ? v : model.vmIndex.get(m.vm) ?? UNKNOWN;
      this.from[i] = hostAt(model, hostNames, m.from, guesses[3 * i + 1]!);
      this.to[i] = hostAt(model, hostNames, m.to, guesses[3 * i + 2]!);
    }
  }

  private lookedUp(model: Model, migrations: readonly Migration[]): void {
    const { vmIndex, hostIndex } = model;
    for (let i = 0; i < migrations.length; i++) {
      const m = migrations[i]!;
      this.vm[i] = vmIndex.get(m.vm) ?? UNKNOWN;
      this.from[i] = m.from === null ? SHELVED : hostIndex.get(m.from) ?? UNKNOWN;
      this.to[i] = m.to === null ? SHELVED : hostIndex.get(m.to) ?? UNKNOWN;
    }
  }
}

/**
 * A live move of a known VM between two different known hosts (indices from WaveIndices):
 * applyStep starts it as beginMove(vm, to) when the VM is settled on `from`, with no other check.
 */
export const isLiveMove = (m: Migration, vm: number, from: number, to: number): boolean =>
  vm >= 0 && from >= 0 && to >= 0 && from !== to && (m.action === undefined || m.action === 'live');
