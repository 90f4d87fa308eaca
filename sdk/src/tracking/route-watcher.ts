import type { HostEnvironment } from '../environment.js';

type HistoryMethod = 'pushState' | 'replaceState';

/**
 * Calls `onNavigate` after every SPA navigation: `history.pushState`,
 * `history.replaceState` (both patched) and `popstate` (back/forward).
 * Returns the function that undoes it.
 *
 * The patch is careful because the page and other scripts own `history` too:
 * the wrapper calls the original with the same `this` and arguments and returns
 * its result, the original's own exceptions (e.g. a cross-origin URL) still
 * reach its caller, and `onNavigate` is the caller's to guard. On undo, the
 * original is put back only if our wrapper is still the installed one; when a
 * later script wrapped ours, removing it would also remove theirs, so ours
 * stays in the chain as a plain pass-through instead.
 */
export function watchRoutes(env: HostEnvironment, onNavigate: () => void): () => void {
  const history = env.history;
  let active = true;
  const notify = () => {
    if (active) onNavigate();
  };
  const restores: Array<() => void> = [];
  if (history) {
    for (const name of ['pushState', 'replaceState'] as HistoryMethod[]) {
      const original = history[name];
      // In browsers the methods live on History.prototype; undo then deletes our own
      // property instead of leaving a copy of the original on the instance.
      const inherited = !Object.prototype.hasOwnProperty.call(history, name);
      const wrapper = function (this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        notify();
        return result;
      };
      history[name] = wrapper;
      restores.push(() => {
        if (history[name] !== wrapper) return;
        if (inherited) delete history[name];
        else history[name] = original;
      });
    }
  }
  env.window.addEventListener('popstate', notify);
  return () => {
    active = false;
    env.window.removeEventListener('popstate', notify);
    for (const restore of restores) restore();
  };
}
