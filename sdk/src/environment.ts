/** An `addEventListener`/`removeEventListener` pair, as on `window` and `document`. */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: Event) => void, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: string, listener: (event: Event) => void, options?: boolean | EventListenerOptions): void;
}

/**
 * The parts of a browser page the SDK touches. Browsers get the real globals;
 * tests and unusual hosts (a WebView bridge, a micro-frontend sandbox) pass
 * their own through `HuashuOptions.environment`. Without one — Node — the SDK
 * skips everything page-related: dwell time, automatic page views, beacons.
 */
export interface HostEnvironment {
  /** Receives activity, `popstate`, `pagehide`/`pageshow` and `online` listeners; also holds the pre-init queue. */
  window: EventTargetLike;
  document: EventTargetLike & { readonly visibilityState: string; readonly title?: string; readonly referrer?: string };
  location: { readonly href: string; readonly pathname: string };
  history?: { pushState(...args: unknown[]): unknown; replaceState(...args: unknown[]): unknown } | undefined;
  navigator?: { readonly onLine?: boolean; readonly doNotTrack?: string | null; sendBeacon?(url: string, data?: BodyInit | null): boolean } | undefined;
}

/** The real page, or `undefined` outside a browser. */
export function browserEnvironment(): HostEnvironment | undefined {
  if (typeof window === 'undefined' || typeof document === 'undefined') return undefined;
  return { window, document, location, history, navigator };
}
