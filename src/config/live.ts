import type { RelayConfig } from './types.js';

/** Called after a reload replaced the config. */
export type ConfigListener = (next: RelayConfig, previous: RelayConfig) => void;

/**
 * The running config: what a hot reload of the file replaces. Components that use a reloadable
 * key read `current` (or `get`) when they need it, or subscribe with `onChange`; a copy taken at
 * start would never see a reload.
 */
export class LiveConfig {
  private value: RelayConfig;
  private readonly listeners = new Set<ConfigListener>();

  constructor(initial: RelayConfig) {
    this.value = initial;
  }

  /** The config as of the last reload. */
  get current(): RelayConfig {
    return this.value;
  }

  /** `current` as a function, for components that take a config source. */
  readonly get = (): RelayConfig => this.value;

  /** Replaces the config and tells every listener (src/config/reload.ts decides what may change). */
  replace(next: RelayConfig): void {
    const previous = this.value;
    this.value = next;
    for (const listener of this.listeners) listener(next, previous);
  }

  /** Calls `listener` after each replace; returns the unsubscribe. */
  onChange(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * `build(source())`, rebuilt only when `source` returns a different object (a reload replaced it):
 * for a policy made from config values, so the hot path neither allocates nor sees a stale copy.
 */
export function derive<S, T>(source: () => S, build: (value: S) => T): () => T {
  let seen: S | undefined;
  let built: T | undefined;
  return () => {
    const value = source();
    if (built === undefined || value !== seen) {
      seen = value;
      built = build(value);
    }
    return built;
  };
}
