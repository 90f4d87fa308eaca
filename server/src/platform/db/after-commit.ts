import type { Queryable } from './types.js';

/** A transaction's handle that holds `afterCommit` callbacks until the engine adapter reports the commit. */
export function withCommitHooks(tx: Queryable): { tx: Queryable; committed(): void } {
  const callbacks: Array<() => void> = [];
  return {
    tx: { ...tx, afterCommit: (callback) => callbacks.push(callback) },
    committed: () => {
      for (const callback of callbacks) callback();
    },
  };
}
