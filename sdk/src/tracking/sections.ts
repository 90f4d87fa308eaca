import type { EventTargetLike } from '../environment.js';
import { truncate } from '../text.js';
import { IDLE_AFTER_MS } from './dwell.js';

/** The query parameter a share link's redirect adds (`LINK_PARAM` in the server's share-links). */
export const LINK_PARAM = 'hs_link';
/** Link ids the server mints are 10 base-62 characters; it accepts up to 64. Anything else is not a share link of ours. */
const LINK_ID = /^[\w-]{1,64}$/;
/** The attribute that marks and names a section: `<section data-huashu-section="报价">`. */
export const SECTION_ATTRIBUTE = 'data-huashu-section';
export const DEFAULT_SECTION_SELECTOR = `[${SECTION_ATTRIBUTE}]`;
/** The server keeps section names up to this length. */
export const MAX_SECTION_NAME = 200;
/** A glance while scrolling past a section is not reading it. */
export const MIN_REPORTED_MS = 1000;
const MS_PER_SECOND = 1000;
/**
 * Visibility ratios at which the observer reports: every tenth of a section,
 * so the ranking is refreshed as sections come and go even where no scroll
 * event announces it (a resize, an image loading above).
 */
const THRESHOLDS = Array.from({ length: 11 }, (_, tenth) => tenth / 10);
/**
 * What counts as the reader being there: the same gestures and 30 s idle cut-off as the page's own
 * dwell time (tracking/dwell.ts), so a section's seconds and the page's seconds mean the same thing.
 */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'scroll', 'wheel', 'touchstart'];
/** Capture phase sees scrolls of inner containers too; passive never delays the page's scrolling. */
const ACTIVITY_LISTEN = { capture: true, passive: true };
/**
 * Leaving listeners run in the capture phase so they run before the core SDK's own `pagehide` and
 * `visibilitychange` handlers, which hand the queue to `sendBeacon`: the section being left must be
 * in the queue by then, or it would wait for a next page of the origin that a shared document rarely has.
 */
const BEFORE_CORE = { capture: true };

/** The parts of the core client this add-on uses. */
export interface SectionClient {
  track(event: string, properties?: Record<string, unknown>): void;
  /** When present and false (no consent, or destroyed), nothing is counted or sent. */
  isTracking?(): boolean;
}

export interface RectLike {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export interface SectionElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): RectLike;
  querySelector?(selectors: string): { readonly textContent: string | null } | null;
  readonly id?: string;
}

export interface ObserverEntry {
  readonly target: unknown;
  readonly isIntersecting: boolean;
}

export interface ObserverLike {
  observe(target: SectionElement): void;
  disconnect(): void;
}

export type ObserverConstructor = new (callback: (entries: readonly ObserverEntry[]) => void, options: { threshold: number[] }) => ObserverLike;

export interface MutationObserverLike {
  observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
  disconnect(): void;
}

export type MutationObserverConstructor = new (callback: () => void) => MutationObserverLike;

/** The page as the section tracker sees it; browsers pass the real globals. */
export interface SectionEnvironment {
  window: EventTargetLike & { readonly innerWidth: number; readonly innerHeight: number };
  document: EventTargetLike & { readonly visibilityState: string; querySelectorAll(selectors: string): ArrayLike<SectionElement> };
  location: { readonly search: string; readonly pathname: string };
  /** Absent in very old browsers: every section is then measured on each scroll. */
  IntersectionObserver?: ObserverConstructor | undefined;
  /** Where present, sections the page adds later (a document rendered by script) are picked up too. */
  MutationObserver?: MutationObserverConstructor | undefined;
}

export interface SectionOptions {
  /**
   * Which elements are sections. @default `[data-huashu-section]`. A section is named by its
   * `data-huashu-section` attribute, else by its first heading's text, else by its `id`;
   * an element with none of them is skipped.
   */
  selector?: string;
}

export interface SectionTracking {
  /** The share link read from `?hs_link=`, or `null` when the page was not opened through one (nothing is tracked). */
  readonly linkId: string | null;
  /** The names of the sections found so far, in the order they were found. */
  readonly sections: readonly string[];
  /** Sends the section being read and stops listening. */
  stop(): void;
}

type Listening = [target: EventTargetLike, type: string, listener: (event: Event) => void, options: AddEventListenerOptions];

interface Section {
  element: SectionElement;
  name: string;
}

/** The link id of `?hs_link=…`, if it is one the server could have minted. */
export function linkIdFrom(search: string): string | null {
  const id = new URLSearchParams(search).get(LINK_PARAM);
  return id !== null && LINK_ID.test(id) ? id : null;
}

/** The section's name (whitespace collapsed, trimmed, cut to {@link MAX_SECTION_NAME}), or '' for none. */
export function sectionName(element: SectionElement): string {
  const tidy = (text: string | null | undefined) => truncate((text ?? '').replace(/\s+/g, ' ').trim(), MAX_SECTION_NAME);
  return tidy(element.getAttribute(SECTION_ATTRIBUTE)) || tidy(element.querySelector?.('h1,h2,h3,h4,h5,h6')?.textContent) || tidy(element.id);
}

/** Area of `rect` inside a `width` × `height` viewport. */
function visibleArea(rect: RectLike, width: number, height: number): number {
  return Math.max(0, Math.min(rect.bottom, height) - Math.max(rect.top, 0)) * Math.max(0, Math.min(rect.right, width) - Math.max(rect.left, 0));
}

/** What a page not opened through a share link gets: nothing tracked, nothing to stop. */
export const INACTIVE: SectionTracking = Object.freeze({ linkId: null, sections: [], stop() {} });

/**
 * Reports, for a document opened through a share link, the active seconds
 * spent in each of its sections as `page_dwell { linkId, section,
 * activeSeconds, path }`, which the server credits to the link's lead and
 * sums per section in `GET /v1/share-links/:id/engagement`.
 *
 * The section being read is the one taking up the most of the viewport; an
 * IntersectionObserver keeps the set of sections in view, and they are
 * measured again on every scroll and resize. Time counts as in
 * tracking/dwell.ts: only while the page is visible and the reader was
 * active in the last {@link IDLE_AFTER_MS}, and only while the client may
 * track. A section's time is sent when the reader moves on to another one,
 * hides the page or leaves it, if it reached {@link MIN_REPORTED_MS}.
 *
 * Time while no section is in view (a cover page, an unmarked appendix, a
 * document without sections) is sent the same way without `section`: the
 * engagement lists it as the whole document's row and adds it to the total,
 * which thus stays the sum of every reported second — never one figure
 * counted twice, as a separate whole-document dwell on leaving would be.
 *
 * Reads the page, never writes to it; `now` is injected for tests.
 */
export function createSectionTracker(client: SectionClient, env: SectionEnvironment, options: SectionOptions = {}, now: () => number = Date.now): SectionTracking {
  const linkId = linkIdFrom(env.location.search);
  if (!linkId) return INACTIVE;
  const selector = options.selector ?? DEFAULT_SECTION_SELECTOR;
  const sections: Section[] = [];
  /** Sections the observer says intersect the viewport; a section is in it from when it is found until the observer first reports. */
  const inView = new Set<SectionElement>();
  let observer: ObserverLike | undefined;
  /** The elements of `sections`, kept beside it: a page that mutates often would otherwise rebuild it on every scan. */
  const known = new Set<SectionElement>();
  /** Adds the sections not known yet; returns whether there were any. */
  const scan = () => {
    let found = false;
    for (const element of Array.from(env.document.querySelectorAll(selector))) {
      const name = known.has(element) ? '' : sectionName(element);
      if (!name) continue;
      sections.push({ element, name });
      known.add(element);
      inView.add(element);
      observer?.observe(element);
      found = true;
    }
    return found;
  };
  scan();
  const tracking = () => client.isTracking?.() !== false;
  const isVisible = () => env.document.visibilityState === 'visible';

  /** The name of the section being read; `null` while none is in view. */
  let current: string | null = null;
  let pendingMs = 0;
  let countedUntil = now();
  let lastActivity = countedUntil;
  // `visibilitychange` fires after the state flipped: the state of the interval being settled is remembered here.
  let visible = isVisible();
  let stopped = false;

  /** Credits the time since the last settlement to the current section, as far as it was active. */
  const settle = () => {
    const at = now();
    // Time without consent is not counted at all, so granting it later does not report it either.
    if (visible && tracking()) pendingMs += Math.max(0, Math.min(at, lastActivity + IDLE_AFTER_MS) - countedUntil);
    countedUntil = at;
  };

  /** Sends the current section's time (if it is worth reporting) and starts it again from zero. */
  const close = () => {
    settle();
    const ms = pendingMs;
    // Reset first: a track() that throws must not have the same seconds sent again with the next section.
    pendingMs = 0;
    if (ms >= MIN_REPORTED_MS && tracking()) {
      const properties: Record<string, unknown> = { linkId, activeSeconds: Math.round(ms / MS_PER_SECOND), path: env.location.pathname };
      if (current !== null) properties['section'] = current;
      client.track('page_dwell', properties);
    }
  };

  /** The section taking up most of the viewport (the first in document order on a tie), or `null`. */
  const largest = (candidates: readonly Section[]) => {
    const { innerWidth, innerHeight } = env.window;
    let best: string | null = null;
    let bestArea = 0;
    for (const section of candidates) {
      const area = visibleArea(section.element.getBoundingClientRect(), innerWidth, innerHeight);
      if (area > bestArea) [best, bestArea] = [section.name, area];
    }
    return best;
  };
  const rank = () => {
    // A scroll event comes before the observer's report of the same scroll: when none of the sections
    // it last saw is visible any more (a jump to an anchor), all are measured rather than the reader
    // being "between sections" for a moment, which would end the section and start it again.
    const best = largest(sections.filter((section) => inView.has(section.element))) ?? largest(sections);
    if (best !== current) {
      close();
      current = best;
    }
  };

  const onActivity = (event: Event) => {
    settle();
    lastActivity = countedUntil;
    if (event.type === 'scroll') rank();
  };
  const onVisibility = () => {
    settle();
    visible = isVisible();
    // Coming back to the tab is itself an act of attention; leaving it may be the last chance to send (mobile browsers often skip pagehide).
    if (visible) lastActivity = countedUntil;
    else close();
  };
  const onPageShow = (event: Event) => {
    // Back from the back/forward cache: what happened while away was sent at pagehide.
    if (!(event as PageTransitionEvent).persisted) return;
    countedUntil = lastActivity = now();
    visible = isVisible();
  };

  // A handler that throws must not reach the host page's own handlers or its error reporting.
  const guard =
    <A extends unknown[]>(handler: (...args: A) => void) =>
    (...args: A) => {
      try {
        if (!stopped) handler(...args);
      } catch {
        // Nothing is worth breaking the host page for; this reading is simply not counted.
      }
    };
  // The first measurement and the observer come before any listener: should the host make either throw, nothing is left attached.
  rank();
  if (env.IntersectionObserver) {
    observer = new env.IntersectionObserver(
      // A layout change is not the reader's doing: it may change the section being read, but is not activity.
      guard((entries: readonly ObserverEntry[]) => {
        for (const entry of entries) {
          const element = entry.target as SectionElement;
          if (entry.isIntersecting) inView.add(element);
          else inView.delete(element);
        }
        rank();
      }),
      { threshold: THRESHOLDS },
    );
    for (const section of sections) observer.observe(section.element);
  }
  // A section rendered after the tracker started (a document built by script, a chapter loaded
  // on demand) is measured from when it appears. Removed ones measure as zero area and never win.
  const mutations = env.MutationObserver
    ? new env.MutationObserver(
        guard(() => {
          if (scan()) rank();
        }),
      )
    : undefined;
  mutations?.observe(env.document, { childList: true, subtree: true });

  const listeners: Listening[] = [
    ...ACTIVITY_EVENTS.map((type): Listening => [env.window, type, guard(onActivity), ACTIVITY_LISTEN]),
    [env.window, 'resize', guard(rank), {}],
    // On window in the capture phase it runs before any listener on the document; on the document
    // too for hosts whose document does not propagate to a window. The second call finds nothing left.
    [env.window, 'visibilitychange', guard(onVisibility), BEFORE_CORE],
    [env.document, 'visibilitychange', guard(onVisibility), BEFORE_CORE],
    [env.window, 'pagehide', guard(close), BEFORE_CORE],
    [env.window, 'pageshow', guard(onPageShow), {}],
  ];
  for (const [target, type, listener, listenOptions] of listeners) target.addEventListener(type, listener, listenOptions);

  return {
    linkId,
    get sections() {
      return sections.map((section) => section.name);
    },
    stop: guard(() => {
      close();
      stopped = true;
      observer?.disconnect();
      mutations?.disconnect();
      for (const [target, type, listener, listenOptions] of listeners) target.removeEventListener(type, listener, listenOptions);
    }),
  };
}
