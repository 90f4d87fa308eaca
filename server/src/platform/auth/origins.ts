import { z } from 'zod';

/** Enough for a CRM, its staging copies and a few marketing sites; a longer list is a sign of a mistake. */
export const MAX_ALLOWED_ORIGINS = 100;

const WILDCARD = '*.';
const WILDCARD_STAND_IN = 'wildcard-label.';

/**
 * Normalises one allow-list entry: an exact origin (`https://crm.example.com`,
 * `http://localhost:3000`) or every subdomain of a host (`https://*.example.com`).
 * Anything an `Origin` header can never equal comes back as a reason instead.
 */
export function normaliseOriginPattern(input: string): { pattern: string } | { reason: string } {
  const wildcard = input.includes('://*.');
  let url: URL;
  try {
    url = new URL(wildcard ? input.replace(`://${WILDCARD}`, `://${WILDCARD_STAND_IN}`) : input);
  } catch {
    return { reason: 'must be an origin such as https://crm.example.com' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { reason: 'must use http or https' };
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return { reason: 'must be scheme://host[:port] only — no path, query or credentials' };
  }
  const origin = url.origin;
  return { pattern: wildcard ? origin.replace(`://${WILDCARD_STAND_IN}`, `://${WILDCARD}`) : origin };
}

/** A browser origin allow-list entry, validated and normalised (lower case, no trailing slash). */
export const OriginPattern = z
  .string()
  .max(2048)
  .transform((value, ctx) => {
    const result = normaliseOriginPattern(value.trim());
    if ('reason' in result) {
      ctx.addIssue({ code: 'custom', message: result.reason });
      return z.NEVER;
    }
    return result.pattern;
  });

/** Whether a request's `Origin` header is allowed by a tenant's list (null: any origin). */
export function originAllowed(origin: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  const normalised = origin.toLowerCase();
  return allowed.some((pattern) => {
    if (!pattern.includes(`://${WILDCARD}`)) return pattern === normalised;
    const [scheme, rest] = pattern.split(`://${WILDCARD}`) as [string, string];
    const prefix = `${scheme}://`;
    // At least one label before the suffix: *.example.com covers a.example.com, not example.com.
    return normalised.startsWith(prefix) && normalised.endsWith(`.${rest}`) && normalised.length > prefix.length + rest.length + 1;
  });
}
