import type { Model } from './model.js';

export function* allHosts(model: Model): Iterable<number> {
  for (let h = 0; h < model.hosts.length; h++) yield h;
}

/** Simple glob: '*' any run of characters, '?' one character. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
