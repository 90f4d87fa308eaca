import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { DEFAULT_REP_TOKEN_TTL_SECONDS, HuashuError, RepClaims, type RepClaimsInput } from '@huashu/core';

/** Audience claim that keeps rep tokens from being replayed as any other JWT the CRM issues. */
export const REP_TOKEN_AUDIENCE = 'huashu-rep';

export interface VerifiedRepToken extends RepClaims {
  kid: string;
  expiresAt: Date;
}

function keyBytes(signingKey: string): Uint8Array {
  return new Uint8Array(Buffer.from(signingKey, 'base64url'));
}

export async function signRepToken(
  signingKey: string,
  kid: string,
  claims: RepClaimsInput,
  ttlSeconds = DEFAULT_REP_TOKEN_TTL_SECONDS,
  clock: () => number = Date.now,
): Promise<{ token: string; expiresAt: Date }> {
  const parsed = RepClaims.parse(claims);
  const now = Math.floor(clock() / 1000);
  const token = await new SignJWT({ name: parsed.name, role: parsed.role, ...(parsed.hireDate ? { hire_date: parsed.hireDate } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
    .setSubject(parsed.repId)
    .setAudience(REP_TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(keyBytes(signingKey));
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/** Reads the `kid` without trusting anything else in the token. */
export function peekKid(token: string): string | undefined {
  const [header] = token.split('.');
  if (!header) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof parsed.kid === 'string' ? parsed.kid : undefined;
  } catch {
    return undefined;
  }
}

export async function verifyRepToken(token: string, signingKey: string, kid: string): Promise<VerifiedRepToken> {
  try {
    const { payload } = await jwtVerify(token, keyBytes(signingKey), { algorithms: ['HS256'], audience: REP_TOKEN_AUDIENCE });
    const claims = RepClaims.safeParse({
      repId: payload.sub,
      name: payload['name'],
      role: payload['role'],
      ...(payload['hire_date'] !== undefined ? { hireDate: payload['hire_date'] } : {}),
    });
    if (!claims.success || payload.exp === undefined) throw new HuashuError('invalid_token', 'rep token claims are malformed');
    return { ...claims.data, kid, expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    if (error instanceof HuashuError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new HuashuError('invalid_token', 'rep token has expired; mint a new one');
    throw new HuashuError('invalid_token', 'rep token signature or format is invalid');
  }
}
