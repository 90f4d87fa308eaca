/** A listener receives one payload; what it returns is ignored. */
export type Listener<T> = (payload: T) => void;

export interface Emitter<Events> {
  /** Adds a listener and returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void;
  emit<K extends keyof Events>(name: K, payload: Events[K]): void;
  clear(): void;
}

/**
 * A minimal typed emitter. A listener that throws must not stop the others nor
 * reach the SDK's caller — the host page's own error handler is not ours to trip.
 */
export function createEmitter<Events>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => void set.delete(listener as Listener<never>);
    },
    emit(name, payload) {
      for (const listener of [...(listeners.get(name) ?? [])]) {
        try {
          (listener as Listener<typeof payload>)(payload);
        } catch {
          // Swallowed on purpose: see the comment on createEmitter.
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
