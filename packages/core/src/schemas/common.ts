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
