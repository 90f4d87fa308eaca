import type { KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { DEFAULT_REP_TOKEN_TTL_SECONDS, HuashuError, MAX_REP_TOKEN_TTL_SECONDS, RepClaims, type RepClaimsInput } from '@huashu/core';

/** Audience claim that keeps rep tokens from being replayed as any other JWT the CRM issues. */
export const REP_TOKEN_AUDIENCE = 'huashu-rep';

/** Ed25519 signatures: the server keeps only public keys, so its database cannot mint tokens. */
export const REP_TOKEN_ALGORITHM = 'EdDSA';

/**
 * How far a token's `iat` may lie in the future: the CRM's clock and ours are
 * never exactly in step, but a token "issued" minutes ahead would outlive the
 * 24-hour ceiling by that much.
 */
export const CLOCK_SKEW_SECONDS = 60;

export interface VerifiedRepToken extends RepClaims {
  kid: string;
  /** The earlier of `exp` and `iat` + 24 h: no token lives longer, whatever its `exp` says. */
  expiresAt: Date;
}

export async function signRepToken(
  privateKey: KeyObject,
  kid: string,
  claims: RepClaimsInput,
  ttlSeconds = DEFAULT_REP_TOKEN_TTL_SECONDS,
  clock: () => number = Date.now,
): Promise<{ token: string; expiresAt: Date }> {
  const parsed = RepClaims.parse(claims);
  const now = Math.floor(clock() / 1000);
  const token = await new SignJWT({ name: parsed.name, role: parsed.role, ...(parsed.hireDate ? { hire_date: parsed.hireDate } : {}) })
    .setProtectedHeader({ alg: REP_TOKEN_ALGORITHM, typ: 'JWT', kid })
    .setSubject(parsed.repId)
    .setAudience(REP_TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(privateKey);
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/** Reads the header without trusting anything in it: `kid` picks the key, `alg` explains a refusal. */
export function peekHeader(token: string): { kid?: string; alg?: string } {
  const [header] = token.split('.');
  if (!header) return {};
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown; alg?: unknown };
    return {
      ...(typeof parsed.kid === 'string' ? { kid: parsed.kid } : {}),
      ...(typeof parsed.alg === 'string' ? { alg: parsed.alg } : {}),
    };
  } catch {
    return {};
  }
}

const invalid = (message: string) => new HuashuError('invalid_token', message);

export async function verifyRepToken(token: string, publicKey: KeyObject, kid: string, clock: () => number = Date.now): Promise<VerifiedRepToken> {
  const { alg } = peekHeader(token);
  if (alg !== REP_TOKEN_ALGORITHM) {
    throw invalid(`rep tokens are signed with ${REP_TOKEN_ALGORITHM} (Ed25519), not ${alg ?? 'an unnamed algorithm'}; mint one with POST /v1/rep-tokens or @huashu/sdk/node createRepToken`);
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, publicKey, {
      algorithms: [REP_TOKEN_ALGORITHM],
      audience: REP_TOKEN_AUDIENCE,
      requiredClaims: ['iat', 'exp', 'sub'],
      currentDate: new Date(clock()),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw invalid('rep token has expired; mint a new one');
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.reason === 'missing') throw invalid(`rep token has no "${error.claim}" claim; mint one with POST /v1/rep-tokens or @huashu/sdk/node createRepToken`);
      throw invalid(`rep token's "${error.claim}" claim is invalid`);
    }
    throw invalid('rep token signature or format is invalid');
  }
  const now = Math.floor(clock() / 1000);
  const { iat, exp } = payload as { iat: number; exp: number };
  if (iat > now + CLOCK_SKEW_SECONDS) {
    throw invalid(`rep token was issued in the future (iat is ${iat - now} s ahead, ${CLOCK_SKEW_SECONDS} s allowed); check the minting server's clock`);
  }
  const ceiling = iat + MAX_REP_TOKEN_TTL_SECONDS;
  if (now >= ceiling) {
    throw invalid(`rep token is older than ${MAX_REP_TOKEN_TTL_SECONDS / 3600} h (counted from its iat); rep tokens live at most that long whatever their exp says — mint a new one`);
  }
  const claims = RepClaims.safeParse({
    repId: payload.sub,
    name: payload['name'],
    role: payload['role'],
    ...(payload['hire_date'] !== undefined ? { hireDate: payload['hire_date'] } : {}),
  });
  if (!claims.success) throw invalid('rep token claims are malformed');
  return { ...claims.data, kid, expiresAt: new Date(Math.min(exp, ceiling) * 1000) };
}
