import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay, parseRetryAfter, retryDelay } from './backoff.js';

const almostOne = () => 0.999999;

describe('backoffDelay', () => {
  it('doubles the window with each attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, almostOne))).toEqual([499, 999, 1999, 3999, 7999]);
  });

  it('uses full jitter: anywhere from zero to the window', () => {
    expect(backoffDelay(4, () => 0)).toBe(0);
    expect(backoffDelay(4, () => 0.5)).toBe(4 * BACKOFF_BASE_MS * 2 ** 3 / 8 / 1);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(3);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(BACKOFF_BASE_MS * 4);
    }
  });

  it('is capped at one minute however many attempts failed', () => {
    expect(backoffDelay(8, almostOne)).toBe(BACKOFF_CAP_MS - 1);
    expect(backoffDelay(50, almostOne)).toBe(BACKOFF_CAP_MS - 1);
    expect(backoffDelay(5000, almostOne)).toBe(BACKOFF_CAP_MS - 1);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('waits at least what the server asked for', () => {
    expect(retryDelay(1, 30_000, almostOne)).toBe(30_000);
    expect(retryDelay(10, 1_000, almostOne)).toBe(BACKOFF_CAP_MS - 1);
    expect(retryDelay(2, undefined, () => 0.5)).toBe(500);
  });
});
