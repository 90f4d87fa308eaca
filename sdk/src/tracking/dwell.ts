import type { HostEnvironment } from '../environment.js';

/**
 * A visitor who has not moved, typed, scrolled or touched for this long is
 * reading something else (or has left the desk); their time stops counting.
 * Matches the 30 s engagement window common to web analytics.
 */
export const IDLE_AFTER_MS = 30_000;

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'wheel', 'touchstart'];
/** Capture phase sees scrolls of inner containers too (scroll does not bubble); passive never delays the page's own scrolling. */
const LISTEN = { capture: true, passive: true };

export interface DwellTracker {
  /** Active seconds on the current page so far, rounded. */
  activeSeconds(): number;
  /** Starts counting from zero, e.g. for the next route; the restart itself counts as activity. */
  restart(): void;
  destroy(): void;
}

/**
 * Counts *active* time: only while the page is visible and the visitor was
 * active within the last {@link IDLE_AFTER_MS}. A tab left open over lunch
 * adds 30 seconds, not an hour.
 *
 * Rather than ticking a timer, it settles the elapsed interval whenever
 * something changes: the credit for `[countedUntil, now]` is the part before
 * `lastActivity + IDLE_AFTER_MS`, if the page was visible throughout (any
 * visibility change settles first, so it was).
 */
export function createDwellTracker(env: HostEnvironment, now: () => number): DwellTracker {
  const isVisible = () => env.document.visibilityState === 'visible';
  let activeMs = 0;
  let countedUntil = now();
  let lastActivity = countedUntil;
  // `visibilitychange` fires after the state flipped, so the state of the interval being settled is remembered here.
  let visible = isVisible();

  const settle = () => {
    const at = now();
    if (visible) activeMs += Math.max(0, Math.min(at, lastActivity + IDLE_AFTER_MS) - countedUntil);
    countedUntil = at;
  };
  const onActivity = () => {
    settle();
    lastActivity = countedUntil;
  };
  const onVisibility = () => {
    settle();
    visible = isVisible();
    // Coming back to the tab is itself an act of attention.
    if (visible) lastActivity = countedUntil;
  };

  for (const type of ACTIVITY_EVENTS) env.window.addEventListener(type, onActivity, LISTEN);
  env.document.addEventListener('visibilitychange', onVisibility);

  return {
    activeSeconds() {
      settle();
      return Math.round(activeMs / 1000);
    },
    restart() {
      activeMs = 0;
      countedUntil = lastActivity = now();
      visible = isVisible();
    },
    destroy() {
      for (const type of ACTIVITY_EVENTS) env.window.removeEventListener(type, onActivity, LISTEN);
      env.document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
