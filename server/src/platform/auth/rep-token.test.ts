import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MAX_REP_TOKEN_TTL_SECONDS } from '@huashu/core';
import { deriveRepTokenKeyPair, exportPublicKey, generateKey, hashKey, importPublicKey, lookupId, repTokenPublicKey } from './keys.js';
import { CLOCK_SKEW_SECONDS, REP_TOKEN_AUDIENCE, signRepToken, verifyRepToken } from './rep-token.js';

const secretKey = generateKey('secret');
const kid = lookupId(hashKey(secretKey));
const { privateKey, publicKey } = deriveRepTokenKeyPair(secretKey);
const claims = { repId: 'r1', name: '李娜' };
const NOW = Date.parse('2026-12-03T08:00:00Z');
const clock = () => NOW;
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A token with hand-picked claims, signed with the real key: only the claims under test are wrong. */
function handMade(payload: Record<string, unknown>): Promise<string> {
  return new SignJWT({ name: '李娜', role: 'rep', sub: 'r1', aud: REP_TOKEN_AUDIENCE, ...payload })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
    .sign(privateKey);
}

describe('rep-token key pair', () => {
  it('is derived deterministically from the secret key, and differs between keys', () => {
    expect(exportPublicKey(deriveRepTokenKeyPair(secretKey).publicKey)).toBe(exportPublicKey(publicKey));
    expect(repTokenPublicKey(generateKey('secret'))).not.toBe(repTokenPublicKey(secretKey));
  });

  it('stores as a 32-byte public key that round-trips, and never contains the seed', () => {
    const stored = repTokenPublicKey(secretKey);
    expect(Buffer.from(stored, 'base64url')).toHaveLength(32);
    expect(exportPublicKey(importPublicKey(stored))).toBe(stored);
    const seed = createHmac('sha256', secretKey).update('huashu rep-token v2').digest('base64url');
    expect(stored).not.toBe(seed);
  });
});

describe('rep-token verification', () => {
  it('accepts an EdDSA token within its life and reports its claims', async () => {
    const { token, expiresAt } = await signRepToken(privateKey, kid, { ...claims, role: 'reviewer', hireDate: '2026-09-01' }, 600, clock);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA', kid });
    const verified = await verifyRepToken(token, publicKey, kid, clock);
    expect(verified).toMatchObject({ repId: 'r1', name: '李娜', role: 'reviewer', hireDate: '2026-09-01', kid });
    expect(verified.expiresAt).toEqual(expiresAt);
  });

  it('caps the lifetime at 24 h from iat even when exp is later', async () => {
    const iat = seconds(NOW);
    const token = await handMade({ iat, exp: iat + 30 * 24 * 3600 });
    const verified = await verifyRepToken(token, publicKey, kid, clock);
    expect(verified.expiresAt.getTime()).toBe((iat + MAX_REP_TOKEN_TTL_SECONDS) * 1000);
    const dayLater = () => NOW + MAX_REP_TOKEN_TTL_SECONDS * 1000;
    await expect(verifyRepToken(token, publicKey, kid, dayLater)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/older than 24 h/) });
  });

  it('refuses an iat in the future beyond the clock-skew allowance, and tolerates a little skew', async () => {
    const ahead = await handMade({ iat: seconds(NOW) + CLOCK_SKEW_SECONDS + 30, exp: seconds(NOW) + 3600 });
    await expect(verifyRepToken(ahead, publicKey, kid, clock)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/issued in the future/) });
    const slightlyAhead = await handMade({ iat: seconds(NOW) + CLOCK_SKEW_SECONDS - 10, exp: seconds(NOW) + 3600 });
    await expect(verifyRepToken(slightlyAhead, publicKey, kid, clock)).resolves.toMatchObject({ repId: 'r1' });
  });

  it('refuses a token without iat, naming the claim', async () => {
    const noIat = await handMade({ exp: seconds(NOW) + 3600 });
    await expect(verifyRepToken(noIat, publicKey, kid, clock)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/no "iat" claim/) });
  });

  it('refuses an expired token, saying so', async () => {
    const { token } = await signRepToken(privateKey, kid, claims, 60, () => NOW - 3_600_000);
    await expect(verifyRepToken(token, publicKey, kid, clock)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/expired/) });
  });

  it('refuses HS256 tokens (the old scheme), naming the algorithm expected', async () => {
    const legacyKey = createHmac('sha256', secretKey).update('huashu rep-token v1').digest();
    const legacy = await new SignJWT({ name: '李娜', role: 'rep' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
      .setSubject('r1')
      .setAudience(REP_TOKEN_AUDIENCE)
      .setIssuedAt(seconds(NOW))
      .setExpirationTime(seconds(NOW) + 600)
      .sign(legacyKey);
    await expect(verifyRepToken(legacy, publicKey, kid, clock)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/EdDSA.*not HS256/) });
  });

  it("refuses a token signed with another secret key's pair", async () => {
    const other = deriveRepTokenKeyPair(generateKey('secret'));
    const { token } = await signRepToken(other.privateKey, kid, claims, 600, clock);
    await expect(verifyRepToken(token, publicKey, kid, clock)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/signature/) });
  });
});
