import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const KiB = 1024;
const gzipped = (file: string) => gzipSync(readFileSync(new URL(`../dist/${file}`, import.meta.url))).length;

// Reads the rollup output: run `npx tsc -b sdk && npx rollup -c rollup.config.mjs` first.
describe('bundle size', () => {
  it('keeps the lead-capture and tracking bundle within 6 KiB min+gzip', () => {
    // The tracking snippet sits on landing pages whose whole job is converting a visitor
    // before they bounce, often on a phone network. For scale: Segment's analytics-next
    // budgets 29.8 KB and PostHog's browser SDK ships 50 KB+. 6 KiB is about what one
    // hero image thumbnail costs, and leaves no room for zod or anything unplanned.
    expect(gzipped('huashu-sdk.min.js')).toBeLessThanOrEqual(6 * KiB);
  });

  it('keeps the assistant client apart and small', () => {
    // The assistant is a rep-facing tool inside a CRM; 3 KiB keeps it from growing
    // into a second copy of the tracking core (it shares only the transport).
    expect(gzipped('huashu-assistant.min.js')).toBeLessThanOrEqual(3 * KiB);
  });

  it('keeps the share-link section tracker apart and within 2 KiB', () => {
    // Loaded next to the core bundle on a shared proposal, often opened from a chat app
    // on a phone: it reads sections and times them, nothing more, so it must never grow
    // into the core's size, nor be folded into the core (at its own budget) for landing
    // pages that have no sections to time.
    expect(gzipped('huashu-share.min.js')).toBeLessThanOrEqual(2 * KiB);
  });
});
