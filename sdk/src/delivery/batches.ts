import { byteLength } from '../ids.js';
import type { QueuedEvent } from '../queue/persisted-queue.js';

/** Room for the `{"sentAt":"…","batch":[…]}` envelope around the events. */
const ENVELOPE_BYTES = 64;

/**
 * Splits queued events, in order, into consecutive groups of at most
 * `maxEvents` events whose request body stays under `maxBytes` UTF-8 bytes.
 * An event is never split; one larger than `maxBytes` travels alone (the SDK
 * refuses events above the server's per-event limit long before this point).
 */
export function chunkBySize(items: readonly QueuedEvent[], maxEvents: number, maxBytes: number): QueuedEvent[][] {
  const chunks: QueuedEvent[][] = [];
  let current: QueuedEvent[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const item of items) {
    const size = byteLength(JSON.stringify(item.event)) + 1;
    if (current.length && (current.length >= maxEvents || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
