/**
 * A random RFC 4122 version-4 id. `crypto.randomUUID` exists only in secure
 * contexts, and plenty of landing pages are still served over plain http, so
 * fall back to `getRandomValues`, which every browser and Node ≥ 15 has: each
 * template digit becomes a random hex digit, except the version nibble (`4`)
 * and the two variant bits of the `8` digit.
 */
export function uuid(): string {
  const crypto = globalThis.crypto;
  return crypto.randomUUID
    ? crypto.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (digit) =>
        (Number(digit) ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (Number(digit) / 4)))).toString(16),
      );
}

/** Timestamps travel as ISO 8601 in UTC, the form the server's `IsoDateTime` schema accepts. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** Size limits on the wire are in UTF-8 bytes; Chinese text is three bytes a character, so `length` would undercount. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}
