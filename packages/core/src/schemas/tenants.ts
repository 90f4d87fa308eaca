import { z } from 'zod';
import { IsoDateTime, RepRole } from './common.js';

/** Claims a rep token carries; the host CRM's backend chooses them. */
export const RepClaims = z
  .object({
    repId: z.string().min(1).max(128),
    name: z.string().min(1).max(128),
    role: RepRole.default('rep'),
    hireDate: z.iso.date().optional(),
  })
  .strict();
export type RepClaims = z.infer<typeof RepClaims>;
export type RepClaimsInput = z.input<typeof RepClaims>;

/** Longest life a rep token may ask for: tokens are re-minted by the CRM, never stored long. */
export const MAX_REP_TOKEN_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_REP_TOKEN_TTL_SECONDS = 60 * 60;

export const RepTokenRequest = RepClaims.extend({
  ttlSeconds: z.number().int().min(60).max(MAX_REP_TOKEN_TTL_SECONDS).optional(),
}).strict();
export type RepTokenRequest = z.input<typeof RepTokenRequest>;

export const RepTokenResponse = z.object({ token: z.string(), expiresAt: IsoDateTime });
export type RepTokenResponse = z.infer<typeof RepTokenResponse>;

export const Health = z.object({ status: z.literal('ok'), engine: z.enum(['pglite', 'postgres']), version: z.string() });
