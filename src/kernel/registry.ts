import type { PluginKind, PluginManifest, PluginModule } from '../plugin-api.js';

export interface RegisteredPlugin<T> {
  manifest: PluginManifest;
  module: PluginModule<T>;
  /** Where it came from: "built-in" or the manifest's path. */
  origin: string;
}

/** The plugins of one kind, by name. */
export class PluginRegistry<T> {
  private readonly byName = new Map<string, RegisteredPlugin<T>>();

  constructor(readonly kind: PluginKind) {}

  add(entry: RegisteredPlugin<T>): void {
    const name = entry.manifest.name;
    const existing = this.byName.get(name);
    if (existing) throw new Error(`${this.kind} plugin "${name}" from ${entry.origin} is already registered from ${existing.origin}`);
    this.byName.set(name, entry);
  }

  get(name: string): RegisteredPlugin<T> | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
