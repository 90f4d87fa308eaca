import { z } from 'zod';

/** Links rendered by widgets must never be `javascript:` or `data:`; only http(s) is stored. */
export const HttpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const Id = z.string().min(1).max(64);
export const IsoDateTime = z.iso.datetime({ offset: true });

/** Tenant-facing roles carried by rep tokens. */
export const RepRole = z.enum(['rep', 'reviewer', 'admin']);
export type RepRole = z.infer<typeof RepRole>;

/**
 * Deepest nesting of objects and arrays a request body may have (the body
 * itself is level 1; each item of a batch is counted from itself). Real
 * payloads stay under 6; the limit keeps recursive code and jsonb's own depth
 * ceiling out of reach.
 */
export const MAX_JSON_DEPTH = 32;

/** Longest path parameter (`/v1/leads/:id`, `/…/:slug`): twice the 64 characters of any id (`Id`) the API issues. */
export const MAX_PATH_PARAM_LENGTH = 128;

const NUL = '\u0000';
// With the `u` flag a surrogate half only matches when it is unpaired: a whole emoji is one code point.
const LONE_SURROGATE = /\p{Cs}/u;
// Control, format, private-use, unassigned code points and lone surrogates: nothing an id or slug is made of.
const NOT_PRINTABLE = /\p{C}/u;

/**
 * Why `value` cannot be stored as text, or undefined when it can. Postgres
 * text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate (what cutting
 * a string in the middle of an emoji leaves) is not valid Unicode, so it
 * cannot be encoded as UTF-8.
 */
export function unstorableTextReason(value: string): string | undefined {
  if (value.includes(NUL)) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate (text cut in the middle of a character), which is not valid Unicode';
  return undefined;
}

/** A path parameter: an id or slug, bounded and printable. */
export const PathParam = z
  .string()
  .min(1)
  .max(MAX_PATH_PARAM_LENGTH)
  .refine((value) => !NOT_PRINTABLE.test(value), 'must be printable (no control characters)');
