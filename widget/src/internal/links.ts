/**
 * The URL to put in an `href`, or undefined when it is not an absolute http(s)
 * URL. The server only stores http(s) links, but a widget may be handed data
 * from elsewhere (its `client` property); `javascript:` and `data:` URLs must
 * never become clickable.
 */
export function safeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
