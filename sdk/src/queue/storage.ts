import { HuashuApiError } from '../errors.js';

/**
 * The part of the Web Storage API the SDK uses. `localStorage` satisfies it;
 * without one (Node, `storage: null`) the queue simply lives in memory.
 */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `localStorage` when the page may use it. Merely reading the property throws in sandboxed iframes and with cookies blocked. */
export function browserStorage(): StorageLike | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** JSON values in a {@link StorageLike}; every failure is reported and absorbed, never thrown. */
export interface Store {
  read<T>(key: string): T | undefined;
  /** Returns whether the value was stored. */
  write(key: string, value: unknown): boolean;
  remove(key: string): void;
  /** Keys starting with `prefix`. */
  keys(prefix: string): string[];
}

/**
 * Wraps storage so that a full quota or a revoked permission degrades the SDK
 * to memory instead of breaking it. One error is reported per run of failures,
 * not per write, so a full disk does not flood the error listeners.
 */
export function createStore(storage: StorageLike, onError: (error: HuashuApiError) => void): Store {
  let failing = false;
  const attempt = <T>(action: () => T, fallback: T): T => {
    try {
      const result = action();
      failing = false;
      return result;
    } catch (cause) {
      if (!failing) onError(new HuashuApiError('storage_error', 'storage failed; continuing in memory', { cause }));
      failing = true;
      return fallback;
    }
  };
  return {
    read<T>(key: string) {
      const text = attempt(() => storage.getItem(key), null);
      try {
        return text === null ? undefined : (JSON.parse(text) as T);
      } catch {
        // Corrupt or foreign data under our key: treat it as absent; the next write replaces it.
        return undefined;
      }
    },
    write: (key, value) => attempt(() => (storage.setItem(key, JSON.stringify(value)), true), false),
    remove: (key) => attempt(() => storage.removeItem(key), undefined),
    keys: (prefix) =>
      attempt(() => {
        const found: string[] = [];
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i);
          if (key?.startsWith(prefix)) found.push(key);
        }
        return found;
      }, []),
  };
}
