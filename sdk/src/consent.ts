import type { Store } from './queue/storage.js';

/**
 * - `opt-out` (default): tracking runs until the visitor calls `optOut()`.
 * - `opt-in`: nothing is tracked, and nothing is written to storage for
 *   tracking, until the visitor calls `optIn()` — for GDPR/PIPL-style consent banners.
 */
export type ConsentMode = 'opt-out' | 'opt-in';

export interface Consent {
  /** Whether tracking may happen now. Read from storage each time, so a choice made in another tab applies here too. */
  allowed(): boolean;
  set(choice: 'in' | 'out'): void;
}

/**
 * A visitor's explicit choice always wins: `optIn()` overrides `navigator.doNotTrack`
 * (it is the more specific statement), `optOut()` overrides opt-out mode. Without
 * a choice, Do Not Track (when respected) counts as an opt-out.
 */
export function createConsent(store: Store | undefined, namespace: string, mode: ConsentMode, doNotTrack: boolean): Consent {
  const key = `huashu:consent:${namespace}`;
  // Kept in memory too, so the choice holds for this page even where storage refuses writes.
  let remembered: string | undefined;
  return {
    allowed() {
      const choice = store?.read<string>(key) ?? remembered;
      return choice === 'in' || (choice !== 'out' && mode === 'opt-out' && !doNotTrack);
    },
    set(choice) {
      remembered = choice;
      store?.write(key, choice);
    },
  };
}
