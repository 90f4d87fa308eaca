import type { HostEnvironment } from '../environment.js';

export interface BeaconOptions {
  /** A navigator that has `sendBeacon`. */
  navigator: NonNullable<HostEnvironment['navigator']>;
  /** The batch URL with the publishable key as `?key=`. */
  url: string;
}

/**
 * Returns a sender for bodies that must leave while the page unloads.
 *
 * `sendBeacon` cannot set headers, so the publishable key (public by design)
 * travels as `?key=`. The body is a plain string, which makes it `text/plain`:
 * a CORS-safelisted type, so no preflight that an unloading page could never
 * complete (the server accepts JSON sent as text/plain on this route).
 *
 * There is no `fetch(..., { keepalive: true })` stand-in: every browser that
 * runs this bundle's syntax has `sendBeacon`, so it is missing only where the
 * visitor turned beacons off (Firefox's `beacon.enabled`). Their events then
 * wait in storage for the next page rather than slip out another way.
 */
export function createBeaconSender({ navigator, url }: BeaconOptions): (body: string) => boolean {
  return (body) => navigator.sendBeacon!(url, body);
}
