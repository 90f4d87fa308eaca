import type { TrackingEvent } from '@huashu/core';
import { createConsent, type ConsentMode } from './consent.js';
import { createBeaconSender } from './delivery/beacon.js';
import { BATCH_PATH, createDispatcher, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_EVENT_AGE_MS } from './delivery/dispatcher.js';
import { createEmitter, type Listener } from './emitter.js';
import { browserEnvironment, type HostEnvironment } from './environment.js';
import { createIdentity } from './identity.js';
import { byteLength, isoTime, uuid } from './ids.js';
import { createLeads, MAX_PAGE_URL, type Leads } from './leads.js';
import { drainPreInit } from './pre-init.js';
import { createPersistedQueue, HEARTBEAT_MS } from './queue/persisted-queue.js';
import { browserStorage, createStore, type StorageLike } from './queue/storage.js';
import { toWellFormedJson, truncate } from './text.js';
import { createDwellTracker } from './tracking/dwell.js';
import { compilePageTypes } from './tracking/page-types.js';
import { watchRoutes } from './tracking/route-watcher.js';
import { HuashuApiError, toApiError } from './errors.js';
import { createTransport, type FetchLike } from './transport.js';

/**
 * The server's per-event ceiling (`MAX_EVENT_BYTES` in `@huashu/core`'s event
 * schema; a unit test keeps the two equal). Importing the value would pull zod
 * into the browser bundle along with the schema module that declares it.
 */
export const MAX_EVENT_BYTES = 32 * 1024;
/** The server's limit on event names. */
const MAX_EVENT_NAME = 200;
/**
 * Cut of what a page supplies to its own page view (URL, title, referrer): the
 * server's limit for a lead's page URL. Three such strings stay far below
 * {@link MAX_EVENT_BYTES}, so a page's giant title or tracking URL never makes
 * its page view too large to send.
 */
const MAX_PAGE_TEXT = MAX_PAGE_URL;

export interface HuashuOptions {
  /** Base URL of the Huashu API, e.g. `https://huashu.example.com`. */
  endpoint: string;
  /** `pk_…`: public by design; authorises lead capture and events for one tenant. Also namespaces local storage. */
  publishableKey?: string;
  /**
   * A rep token, sent when no publishable key is given — for CRM pages used by
   * signed-in reps. The server decides what it may do: today `/v1/leads` and
   * `/v1/events/batch` take publishable or secret keys only and answer a rep
   * token with 403, which drops the batch and reports it through `on('error')`.
   */
  repToken?: string;
  /** Send as soon as this many events wait. @default 20 */
  flushAt?: number;
  /** Send waiting events at most this long after the first was queued. @default 5000 */
  flushIntervalMs?: number;
  /** Queue ceiling; beyond it the oldest events are dropped, each drop reported as `queue_overflow`. @default 1000 */
  maxQueue?: number;
  /**
   * Server errors (5xx) one event may meet in requests of its own before it is
   * dropped and reported as `event_rejected`, so that no event can hold up the
   * queue for ever. A failing batch counts against none of its events: it is
   * split until the failing event travels alone.
   * @default 10
   */
  maxAttempts?: number;
  /**
   * Age (from the event's timestamp) past which an event is dropped at its
   * first server error alone, however few tries it had.
   * @default 86_400_000 (a day)
   */
  maxEventAgeMs?: number;
  /**
   * Path globs to page types, attached to every event as `properties.pageType`:
   * `{ '/compare/*': 'competitor_comparison', '/pricing': 'pricing' }`. First match wins.
   */
  pageTypes?: Record<string, string>;
  /**
   * Send a page view on start and after every SPA route change (history API and
   * back/forward). Route changes are path changes; hash-only and query-only
   * changes are not new pages. @default true in browsers
   */
  autoPage?: boolean;
  /** @default 'opt-out' */
  consent?: ConsentMode;
  /** Treat `navigator.doNotTrack === '1'` as an opt-out unless the visitor explicitly opts in. @default false */
  respectDoNotTrack?: boolean;
  /** Where the queue, ids and consent persist. `null` keeps everything in memory. @default localStorage in browsers, memory elsewhere */
  storage?: StorageLike | null;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /** The page to observe; `null` runs headless as in Node. @default the real page in browsers */
  environment?: HostEnvironment | null;
  /** Name of the pre-init stub on `window` (see {@link createHuashu}); `false` disables it. @default 'huashu' */
  globalName?: string | false;
}

/** Free-form event properties; they must survive `JSON.stringify`. */
export type EventProperties = Record<string, unknown>;

/** What is known about the visitor. A `leadId` ties their anonymous history to that lead. */
export interface IdentifyTraits {
  leadId?: string;
  email?: string;
  phone?: string;
  name?: string;
  wechat?: string;
  company?: string;
  [trait: string]: unknown;
}

/** Events a client emits. */
export interface HuashuEvents {
  /** Anything that went wrong out of the caller's sight: delivery, dropped events, storage, misuse. */
  error: HuashuApiError;
}

export interface HuashuClient {
  /** Lead capture. It is not tracking: it works whatever the consent state. */
  readonly leads: Leads;
  /** Records a custom event, e.g. `track('poc_request', { product: 'crm' })`. */
  track(event: string, properties?: EventProperties): void;
  /** Records a page view (path, URL, title, referrer added); automatic when `autoPage` is on. */
  page(properties?: EventProperties): void;
  /**
   * Tells who the visitor is: a lead id, or traits (`{ email, phone, … }`, with
   * `leadId` if known). Sends an `identify` event carrying the anonymous id, so
   * the server can merge the anonymous history; later events carry the lead id.
   */
  identify(lead: string | IdentifyTraits): void;
  /** Records a document download as `track('document_download', { documentId, title })`. */
  download(documentId: string, title?: string): void;
  /** Records the visitor's consent to tracking (persisted). */
  optIn(): void;
  /** Stops tracking and deletes events not yet sent (persisted): consent withdrawn means not sent later either. */
  optOut(): void;
  /** Whether events are being recorded now. */
  isTracking(): boolean;
  /** Forgets the anonymous id and lead id, e.g. on a shared device at logout. */
  reset(): void;
  /** Subscribes to client events; returns the unsubscribe function. */
  on<K extends keyof HuashuEvents>(name: K, listener: Listener<HuashuEvents[K]>): () => void;
  /** Sends all queued events now (skipping a backoff wait, honouring a server's Retry-After). Never rejects. */
  flush(): Promise<void>;
  /** Events waiting for the server's acknowledgement. */
  queueSize(): number;
  /** Removes every listener and history patch and stops timers; queued events stay stored for the next page. */
  destroy(): void;
}

/** Queue settings when the options leave them out (documented on {@link HuashuOptions}). */
const DEFAULTS = {
  /** Events that trigger a send without waiting for the interval. */
  flushAt: 20,
  flushIntervalMs: 5000,
  /** Events kept while the server is unreachable; the oldest go first beyond it. */
  maxQueue: 1000,
} as const;

/**
 * Creates the browser (and Node) client: lead capture, event tracking with a
 * persisted, batched, retried queue, and active dwell time per page.
 *
 * No method throws into the host page: failures go to `client.on('error', …)`,
 * except `leads.capture`, whose promise rejects so the form can show them.
 *
 * **Pre-init stub.** Calls made before the SDK loaded are replayed in order
 * when the client starts. Put this in the page's `<head>`:
 * ```html
 * <script>window.huashu = window.huashu || [];</script>
 * ```
 * then call `huashu.push(['track', 'cta_click', { id: 'hero' }])` (likewise
 * `page`, `identify`, `download`, `optIn`, `optOut`, `reset`) anywhere, before
 * or after the SDK loads. Replayed events are timestamped at replay.
 */
export function createHuashu(options: HuashuOptions): HuashuClient {
  const emitter = createEmitter<HuashuEvents>();
  // Errors raised while starting (bad options, replayed calls) wait for one
  // microtask, so a listener attached right after createHuashu() hears them.
  let startupErrors: HuashuApiError[] | undefined = [];
  const report = (error: unknown) => {
    const apiError = toApiError(error);
    if (startupErrors) startupErrors.push(apiError);
    else emitter.emit('error', apiError);
  };
  const guard =
    <A extends unknown[], R>(method: (...args: A) => R, fallback?: R) =>
    (...args: A): R => {
      try {
        return method(...args);
      } catch (error) {
        report(error);
        return fallback as R;
      }
    };
  const invalid = (message: string) => new HuashuApiError('invalid_argument', message);

  const { endpoint, publishableKey, repToken, pageTypes, respectDoNotTrack, fetch: fetchImpl, globalName = 'huashu' } = options ?? {};
  const env = options?.environment === undefined ? browserEnvironment() : (options.environment ?? undefined);
  const storage = options?.storage === undefined ? (env ? browserStorage() : undefined) : (options.storage ?? undefined);
  const store = storage && createStore(storage, report);
  const positiveOr = (value: number | undefined, fallback: number) => (Number.isFinite(value) ? Math.max(1, value!) : fallback);
  const flushAt = positiveOr(options?.flushAt, DEFAULTS.flushAt);
  const flushIntervalMs = positiveOr(options?.flushIntervalMs, DEFAULTS.flushIntervalMs);
  const maxQueue = positiveOr(options?.maxQueue, DEFAULTS.maxQueue);
  const autoPage = !!env && options?.autoPage !== false;
  const namespace = (publishableKey ?? 'default').slice(0, 12);
  const now = () => Date.now();
  // An absolute URL, or a same-origin path for sites that proxy the API under their own domain.
  const endpointValid = typeof endpoint === 'string' && /^(https?:\/\/|\/)/.test(endpoint);
  if (!endpointValid) report(invalid('createHuashu: endpoint must be an http(s) URL or a path'));

  const queue = createPersistedQueue({
    store,
    namespace,
    maxQueue,
    now,
    onOverflow: (dropped) =>
      report(new HuashuApiError('queue_overflow', `queue full: dropped ${dropped.length} oldest event(s)`, { events: dropped })),
  });
  const consent = createConsent(store, namespace, options?.consent ?? 'opt-out', !!respectDoNotTrack && env?.navigator?.doNotTrack === '1');
  const identity = createIdentity(store, namespace);
  const transport = createTransport({ endpoint, fetch: fetchImpl, credential: () => publishableKey ?? repToken });
  const pageTypeOf = compilePageTypes(pageTypes);
  const dispatcher = createDispatcher({
    queue,
    transport,
    flushAt,
    flushIntervalMs,
    canSend() {
      // Consent withdrawn in another tab reaches this tab through storage: drop what it still holds.
      if (!consent.allowed()) return queue.clear(), false;
      return endpointValid && env?.navigator?.onLine !== false;
    },
    // Beacons authenticate with `?key=`, which only a publishable key may do.
    beacon: env?.navigator?.sendBeacon && publishableKey ? createBeaconSender({ navigator: env.navigator, url: transport.url(BATCH_PATH, { key: publishableKey }) }) : undefined,
    onError: report,
    maxAttempts: positiveOr(options?.maxAttempts, DEFAULT_MAX_ATTEMPTS),
    maxEventAgeMs: positiveOr(options?.maxEventAgeMs, DEFAULT_MAX_EVENT_AGE_MS),
    now,
    random: Math.random,
  });

  let destroyed = false;
  let pageViewSent = false;
  /** The path whose dwell time is being counted; a page() on another path closes it. */
  let currentPath = env?.location.pathname;
  /** SPA navigations keep `document.referrer` at the first page; the previous URL is the true referrer. */
  let previousUrl = env?.document.referrer;
  const cleanups: Array<() => void> = [];
  const dwell = env && createDwellTracker(env, now);

  function enqueue(type: TrackingEvent['type'], properties: EventProperties | undefined, event?: string, leadId = identity.leadId()): void {
    if (destroyed || !consent.allowed()) return;
    if (properties != null && typeof properties !== 'object') throw invalid(`${event ?? type}: properties must be an object`);
    const props: EventProperties = { ...properties };
    const path = typeof props['path'] === 'string' ? props['path'] : env?.location.pathname;
    const pageType = path === undefined ? undefined : pageTypeOf(path);
    if (pageType && props['pageType'] === undefined) props['pageType'] = pageType;
    const record = { messageId: uuid(), type, event, anonymousId: identity.anonymousId(), leadId, properties: props, timestamp: isoTime(now()) };
    // Serialised once: sizes the event, drops `undefined`s, mends lone surrogates, and detaches it from objects the host may mutate later.
    const json = toWellFormedJson(record);
    if (byteLength(json) > MAX_EVENT_BYTES) {
      throw new HuashuApiError('event_too_large', `${event ?? type} exceeds ${MAX_EVENT_BYTES} bytes`);
    }
    queue.push(JSON.parse(json) as TrackingEvent);
    dispatcher.schedule();
  }

  /** Sends the active time of the page being left, if there was any (a redirect or a prerender has none). */
  function closeDwell(): void {
    const seconds = dwell?.activeSeconds() ?? 0;
    if (seconds > 0) enqueue('track', { path: currentPath, activeSeconds: seconds }, 'page_dwell');
    dwell?.restart();
  }

  function track(event: string, properties?: EventProperties): void {
    if (typeof event !== 'string' || !event || event.length > MAX_EVENT_NAME) {
      throw invalid(`track: event must be 1–${MAX_EVENT_NAME} characters`);
    }
    enqueue('track', properties, event);
  }

  function page(properties?: EventProperties): void {
    if (env) {
      const { pathname, href } = env.location;
      if (pathname !== currentPath) {
        closeDwell();
        currentPath = pathname;
      }
      if (!consent.allowed()) return;
      const [url, title, referrer] = [href, env.document.title, previousUrl].map((text) => text && truncate(text, MAX_PAGE_TEXT));
      enqueue('page', { path: pathname, url, title, referrer: referrer || undefined, ...properties });
      previousUrl = href;
    } else enqueue('page', properties);
    pageViewSent ||= consent.allowed();
  }

  function identify(lead: string | IdentifyTraits): void {
    const traits: IdentifyTraits | undefined = typeof lead === 'string' ? { leadId: lead } : lead;
    if (!traits || typeof traits !== 'object') throw invalid('identify: expected a lead id or traits');
    const { leadId, ...rest } = traits;
    if (leadId !== undefined && (typeof leadId !== 'string' || !leadId)) throw invalid('identify: bad leadId');
    if (!consent.allowed() || destroyed) return;
    if (leadId) identity.setLeadId(leadId);
    enqueue('identify', rest, undefined, leadId ?? identity.leadId());
  }

  const leads = createLeads({
    transport,
    pageUrl: () => env?.location.href,
    anonymousId: () => (consent.allowed() ? identity.anonymousId() : undefined),
    // The visitor just said who they are: tie the anonymous history to the new lead.
    onCaptured: guard((leadId: string) => identify(leadId)),
  });

  const client: HuashuClient = {
    leads: {
      capture: (input, captureOptions) => (endpointValid ? leads.capture(input, captureOptions) : Promise.reject(invalid('leads.capture: no valid endpoint'))),
    },
    track: guard(track),
    page: guard(page),
    identify: guard(identify),
    download: guard((documentId: string, title?: string) => {
      if (typeof documentId !== 'string' || !documentId) throw invalid('download: bad documentId');
      track('document_download', { documentId, title });
    }),
    optIn: guard(() => {
      consent.set('in');
      // Time spent before consent is not reported; counting starts with the consent.
      dwell?.restart();
      if (autoPage && !pageViewSent && !destroyed) page();
    }),
    optOut: guard(() => {
      consent.set('out');
      queue.clear();
    }),
    isTracking: guard(() => !destroyed && consent.allowed(), false),
    reset: guard(() => identity.reset()),
    on: (name, listener) => emitter.on(name, listener),
    // The dispatcher's flush never rejects: a drain catches everything it meets.
    flush: () => dispatcher.flush(true),
    queueSize: guard(() => queue.size(), 0),
    destroy: guard(() => {
      if (destroyed) return;
      destroyed = true;
      for (const cleanup of cleanups.splice(0)) guard(cleanup)();
      dispatcher.destroy();
      queue.release();
      emitter.clear();
    }),
  };

  const listen = (target: HostEnvironment['window'], type: string, listener: (event: Event) => void) => {
    const guarded = guard(listener);
    target.addEventListener(type, guarded);
    cleanups.push(() => target.removeEventListener(type, guarded));
  };

  if (store) {
    // Adopts queues left by reloaded or closed tabs right away, then keeps this tab's claim fresh.
    guard(() => queue.heartbeat())();
    const heartbeat = setInterval(
      guard(() => {
        if (queue.heartbeat()) dispatcher.schedule();
      }),
      HEARTBEAT_MS,
    );
    cleanups.push(() => clearInterval(heartbeat));
  }
  if (queue.size()) guard(dispatcher.schedule)();

  if (env) {
    guard(() => {
      if (dwell) cleanups.push(dwell.destroy);
      if (autoPage) {
        cleanups.push(
          watchRoutes(
            env,
            guard(() => {
              if (env.location.pathname !== currentPath) page();
            }),
          ),
        );
      }
      listen(env.window, 'pagehide', (event) => {
        closeDwell();
        dispatcher.flushByBeacon();
        // A page entering the back/forward cache may return; only a page really going away hands its queue over.
        if (!(event as PageTransitionEvent).persisted) queue.release();
      });
      listen(env.window, 'pageshow', (event) => {
        if ((event as PageTransitionEvent).persisted) {
          queue.heartbeat();
          dwell?.restart();
        }
      });
      listen(env.document, 'visibilitychange', () => {
        if (env.document.visibilityState === 'hidden') dispatcher.flushByBeacon();
      });
      // Failures while the connection was down say nothing about the server: skip their backoff.
      listen(env.window, 'online', () => void dispatcher.flush(true));
    })();
    if (globalName) guard(() => drainPreInit(env.window as unknown as Record<string, unknown>, globalName, client, report))();
    if (autoPage) client.page();
  }

  void Promise.resolve().then(() => {
    const errors = startupErrors ?? [];
    startupErrors = undefined;
    for (const error of errors) emitter.emit('error', error);
  });
  return client;
}
