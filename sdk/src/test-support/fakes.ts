// Test doubles handed to the SDK through its options (`fetch`, `storage`,
// `environment`) — the SDK's real injection points, so tests exercise the same
// code paths a browser does.
import type { HostEnvironment } from '../environment.js';
import type { StorageLike } from '../queue/storage.js';
import type { FetchLike } from '../transport.js';

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** The JSON body, parsed. */
  body: any;
}

/** One scripted answer: a response, a thrown error (a network failure), or a function of the request. */
export type ScriptStep = Response | Error | ((request: RecordedRequest) => Response | Promise<Response>);

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The server's answer to a batch where every event was new. */
export function acceptAll(request: RecordedRequest): Response {
  return json({ accepted: request.body.batch.length, duplicates: 0, rejected: [] });
}

/**
 * A `fetch` that answers from a script, in order, and records every request.
 * When the script runs out it keeps accepting event batches.
 */
export function scriptedFetch(...script: ScriptStep[]) {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const request: RecordedRequest = {
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const step = script.shift() ?? acceptAll;
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(request) : step;
  };
  /** Message ids of all batch requests, in send order. */
  const sentIds = () => requests.filter((r) => r.url.includes('/v1/events/batch')).flatMap((r) => r.body.batch.map((e: any) => e.messageId));
  return { fetch, requests, script, sentIds };
}

/** A page: EventTarget-based window and document, a history that moves `location`, a navigator with a recording `sendBeacon`. */
export function fakePage(url = 'https://example.com/') {
  const window = new EventTarget() as EventTarget & Record<string, unknown>;
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible', title: 'Home', referrer: 'https://search.example/' });
  const location = { href: url, pathname: new URL(url).pathname };
  const navigate = (to: string) => {
    const next = new URL(to, location.href);
    location.href = next.href;
    location.pathname = next.pathname;
  };
  const history = {
    pushState(_state: unknown, _unused: string, to?: string) {
      if (to) navigate(to);
    },
    replaceState(_state: unknown, _unused: string, to?: string) {
      if (to) navigate(to);
    },
  };
  const beacons: Array<{ url: string; body: string }> = [];
  const navigator = {
    onLine: true,
    doNotTrack: null as string | null,
    sendBeacon(beaconUrl: string, data?: BodyInit | null) {
      beacons.push({ url: beaconUrl, body: String(data) });
      return true;
    },
  };
  const environment: HostEnvironment = { window, document, location, history, navigator };
  const dispatch = (target: EventTarget, type: string, extra: Record<string, unknown> = {}) => target.dispatchEvent(Object.assign(new Event(type), extra));
  return {
    environment,
    window,
    document,
    location,
    history,
    navigator,
    beacons,
    /** Flips visibility the way a browser does: state first, then the event. */
    setVisibility(state: 'visible' | 'hidden') {
      document.visibilityState = state;
      dispatch(document, 'visibilitychange');
    },
    /** A user gesture the dwell tracker counts as activity. */
    interact() {
      dispatch(window, 'pointerdown');
    },
    pagehide(persisted = false) {
      dispatch(window, 'pagehide', { persisted });
    },
    dispatch,
  };
}

/** An in-memory {@link StorageLike} that several clients can share, as the tabs and reloads of one browser share `localStorage`. */
export function createMemoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}
