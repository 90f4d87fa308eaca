import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundScore, scoreOfSum, sumForScore } from '@huashu/core';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { scoreOfSumSql } from './signals.store.js';

/** The score an announced signal carries is computed in SQL; it must be the score the API shows. */
describe.each(testEngines())('the SQL score on $name', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  const inSql = async (sums: readonly number[]) =>
    (await db.query<{ score: number }>(`SELECT ${scoreOfSumSql('s')} AS score FROM unnest($1::float8[]) WITH ORDINALITY AS u(s, n) ORDER BY n`, [sums])).rows.map((row) => Number(row.score));

  it('equals roundScore(scoreOfSum(sum)) at every half point, far out and below zero', async () => {
    // Just below and above each x.5 boundary, where a different rounding rule would show.
    const edges = Array.from({ length: 100 }, (_, k) => sumForScore(k + 0.5)).flatMap((sum) => [sum * (1 - 1e-12), sum, sum * (1 + 1e-12)]);
    const sums = [...edges, 0, -0.5, -100, 745.2, 800, 1e6];
    expect(await inSql(sums)).toEqual(sums.map((sum) => roundScore(scoreOfSum(sum))));
  });

  it('equals it for arbitrary sums', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: -10, max: 50, noNaN: true }), { minLength: 1, maxLength: 50 }), async (sums) => {
        expect(await inSql(sums)).toEqual(sums.map((sum) => roundScore(scoreOfSum(sum))));
      }),
      { numRuns: 40, seed: 20261203 },
    );
  });
});
