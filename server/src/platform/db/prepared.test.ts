import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../testing/index.js';
import type { Database } from './types.js';

const SQL = `SELECT n, n * $2::int AS scaled FROM generate_series(1, $1::int) AS n ORDER BY n`;

for (const engine of testEngines()) {
  describe(`prepared statements (${engine.name})`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(async () => db?.close());

    it('give the same rows as the statement run unprepared, call after call, with new parameters each time', async () => {
      for (const [count, factor] of [[3, 2], [5, 7], [1, 0]] as const) {
        const plain = await db.query(SQL, [count, factor]);
        const prepared = await db.query(SQL, [count, factor], { prepare: true });
        expect(prepared.rows).toEqual(plain.rows);
        expect(prepared.rows).toHaveLength(count);
      }
    });

    it('inside a transaction too, and a failing prepared statement fails like any other', async () => {
      const rows = await db.transaction(async (tx) => {
        await tx.query(SQL, [2, 3], { prepare: true });
        const again = await tx.query<{ scaled: number }>(SQL, [2, 4], { prepare: true });
        if (engine.name === 'postgres') {
          // The server kept the statement on this connection: the second call did not parse it again.
          const kept = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [SQL]);
          expect(kept.rows[0]!.n).toBe(1);
        }
        return again.rows;
      });
      expect(rows.map((row) => row.scaled)).toEqual([4, 8]);
      await expect(db.query(`SELECT 1 / $1::int AS x`, [0], { prepare: true })).rejects.toThrow(/division by zero/);
    });
  });
}
