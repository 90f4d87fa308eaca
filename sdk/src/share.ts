/**
 * `@huashu/sdk/share` (`huashu-share.min.js`) — per-section reading time of a
 * document opened through a tracked share link (`/s/:id` → `?hs_link=<id>`).
 * A separate entry, so landing pages never download it, for use after the
 * core client:
 * ```html
 * <script type="module">
 *   import { createHuashu } from 'https://your-huashu-server/sdk/huashu-sdk.min.js';
 *   import { trackSections } from 'https://your-huashu-server/sdk/huashu-share.min.js';
 *   trackSections(createHuashu({ endpoint: 'https://your-huashu-server', publishableKey: 'pk_…' }));
 * </script>
 * ```
 */
import { createSectionTracker, INACTIVE, type SectionClient, type SectionEnvironment, type SectionOptions, type SectionTracking } from './tracking/sections.js';

export { LINK_PARAM, SECTION_ATTRIBUTE } from './tracking/sections.js';
export type { SectionClient, SectionEnvironment, SectionOptions, SectionTracking } from './tracking/sections.js';

export interface TrackSectionsOptions extends SectionOptions {
  /** The page to observe. @default the real page in browsers */
  environment?: SectionEnvironment;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Reports `page_dwell { linkId, section, activeSeconds, path }` for each
 * section of the document the reader spends active time in (see
 * {@link createSectionTracker}). Does nothing on a page not opened through a
 * share link, outside a browser, or without tracking consent, and never
 * throws into the host page.
 */
export function trackSections(client: SectionClient, options: TrackSectionsOptions = {}): SectionTracking {
  try {
    const env: SectionEnvironment | undefined =
      options.environment ?? (typeof window === 'undefined' || typeof document === 'undefined' ? undefined : { window, document, location, IntersectionObserver: window.IntersectionObserver, MutationObserver: window.MutationObserver });
    if (!env || typeof client?.track !== 'function') return INACTIVE;
    return createSectionTracker(client, env, options, options.now);
  } catch {
    // A bad selector or an unusual host: the document works as before, only unmeasured.
    return INACTIVE;
  }
}
