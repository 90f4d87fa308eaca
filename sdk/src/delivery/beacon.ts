import type { HostEnvironment } from '../environment.js';
import type { FetchLike } from '../transport.js';

export interface BeaconOptions {
  navigator: HostEnvironment['navigator'];
  /** The batch URL with the publishable key as `?key=`. */
  url: string;
  fetch?: FetchLike | undefined;
}

/**
 * Returns a sender for bodies that must leave while the page unloads.
 *
 * `sendBeacon` cannot set headers, so the publishable key (public by design)
 * travels as `?key=`. The body is a plain string, which makes it `text/plain`:
 * a CORS-safelisted type, so no preflight that an unloading page could never
 * complete (the server accepts JSON sent as text/plain on this route). Where
 * `sendBeacon` is missing, `fetch(..., { keepalive: true })` does the same job.
 */
export function createBeaconSender({ navigator, url, fetch: fetchImpl }: BeaconOptions): (body: string) => boolean {
  return (body) => {
    if (navigator?.sendBeacon) return navigator.sendBeacon(url, body);
    const init: RequestInit = { method: 'POST', body, keepalive: true, headers: { 'content-type': 'text/plain;charset=UTF-8' } };
    // Nobody is left to hear the answer; the events stay queued either way.
    (fetchImpl ? fetchImpl(url, init) : fetch(url, init)).catch(() => undefined);
    return true;
  };
}
