import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import type { Database, Engine } from '../db/types.js';

export interface TestEngine {
  name: Engine;
  /** A fresh, migrated database of this engine. */
  open(): Promise<Database>;
}

/**
 * The engines a suite runs against: PGlite always; a real PostgreSQL too when
 * DATABASE_URL is set (CI sets it). Each `open()` on Postgres gets its own
 * throw-away database so suites never see each other's rows.
 */
export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [
    {
      name: 'pglite',
      async open() {
        const db = await openPglite();
        await migrate(db);
        return db;
      },
    },
  ];
  const url = process.env['DATABASE_URL'];
  if (url) {
    engines.push({
      name: 'postgres',
      async open() {
        const name = `huashu_test_${randomBytes(6).toString('hex')}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const target = new URL(url);
        target.pathname = `/${name}`;
        const db = await openPostgres(target.toString(), { max: 5 });
        await migrate(db);
        const close = db.close;
        return {
          ...db,
          async close() {
            await close();
            const cleanup = new pg.Client({ connectionString: url });
            await cleanup.connect();
            await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await cleanup.end();
          },
        };
      },
    });
  }
  return engines;
}
