/** High surrogates, U+D800–U+DBFF, are the code units whose top six bits read 110110. */
const HIGH_SURROGATE = 0xd800 >> 10;

/**
 * Cuts `text` to at most `maxLength` UTF-16 code units (the unit of the
 * server's `max(n)` limits) without splitting a surrogate pair: a cut between
 * the two halves of an emoji would leave a lone surrogate, which is not text
 * (UTF-8 has no encoding for it) and which the server's database refuses.
 */
export function truncate(text: string, maxLength: number): string {
  // Past the end `charCodeAt` is NaN, which shifts to 0: a short text is returned whole.
  return text.slice(0, text.charCodeAt(maxLength - 1) >> 10 === HIGH_SURROGATE ? maxLength - 1 : maxLength);
}

/**
 * A `\ud800`–`\udfff` escape as `JSON.stringify` writes it (lower-case hex),
 * or an escaped backslash. Scanning left to right, the regex consumes escaped
 * backslashes whole, so an escape it matches is always a real one, never the
 * text `\\ud800` a caller typed.
 */
const SURROGATE_ESCAPE = /\\(\\|ud[89a-f]..)/g;

/**
 * `JSON.stringify`, with every lone surrogate (in values and keys alike)
 * replaced by U+FFFD, the replacement character. Lone surrogates reach the
 * SDK in caller strings (a `.slice` through an emoji, a mangled paste); the
 * well-formed `JSON.stringify` writes exactly those, and only those, as
 * `\ud800`–`\udfff` escapes (pairs stay literal), so editing its output is
 * exact and cheaper than walking every string of the value.
 */
export function toWellFormedJson(value: unknown): string {
  return JSON.stringify(value).replace(SURROGATE_ESCAPE, (match) => (match === '\\\\' ? match : '\ufffd'));
}
