/**
 * 32-bit FNV-1a of a string's UTF-16 code units: a stable, well-mixed number
 * per id, so samples and simulated subsets are deterministic and independent
 * of file order.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
