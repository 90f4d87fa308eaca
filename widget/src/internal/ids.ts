/**
 * A random 128-bit key in hex. `crypto.randomUUID` only exists in secure
 * contexts, and many CRMs still run on plain-http intranet hosts;
 * `getRandomValues` works everywhere.
 */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
