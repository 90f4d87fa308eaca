import { uuid } from './ids.js';
import type { Store } from './queue/storage.js';

interface IdentityRecord {
  anonymousId: string;
  leadId?: string;
}

export interface Identity {
  /** The visitor's anonymous id, created (and persisted) on first use — only ever asked for once tracking is allowed. */
  anonymousId(): string;
  leadId(): string | undefined;
  setLeadId(leadId: string): void;
  /** Forgets both ids, e.g. when a shared computer changes hands. */
  reset(): void;
}

/** Who the visitor is, persisted so a returning visitor keeps their anonymous history. */
export function createIdentity(store: Store | undefined, namespace: string): Identity {
  const key = `huashu:id:${namespace}`;
  let memory: IdentityRecord | undefined;
  const load = (): IdentityRecord => {
    const stored = store?.read<IdentityRecord>(key);
    if (typeof stored?.anonymousId === 'string') return (memory = stored);
    memory ??= { anonymousId: uuid() };
    store?.write(key, memory);
    return memory;
  };
  return {
    anonymousId: () => load().anonymousId,
    leadId: () => (store?.read<IdentityRecord>(key) ?? memory)?.leadId,
    setLeadId(leadId) {
      const record = { ...load(), leadId };
      memory = record;
      store?.write(key, record);
    },
    reset() {
      memory = undefined;
      store?.remove(key);
    },
  };
}
