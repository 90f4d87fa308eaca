import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../modules.js';
import { startServer } from '../../server.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { testEngines } from '../../testing/engines.js';
import { createTenant, issueKey } from './key-store.js';

/** A logger whose lines land in a string the test reads. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => string } {
  let text = '';
  return { logger: createLogger('info', { write: (line: string) => void (text += line) }), lines: () => text };
}

describe.each(testEngines())('error logs on $name', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keep the lead data of a request that fails out of the error line', async () => {
    const { logger, lines } = capturedLogger();
    const config = loadConfig({ PORT: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_RATE_LIMIT_PER_KEY: '0' });
    const running = await startServer({ config, db, logger, modules: allModules });
    const tenant = await createTenant(db, { name: 'faults', slug: `faults-${randomUUID().slice(0, 8)}` });
    const secret = (await issueKey(db, tenant.id, 'secret')).key;
    // A genuine database fault on both engines, whose error carries the failing row.
    await db.exec(`ALTER TABLE leads ADD CONSTRAINT error_logs_test_refuse_rows CHECK (false) NOT VALID`);
    try {
      const res = await fetch(`${running.url}/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: '张伟', phone: '13800138000', email: 'zhang.wei@example.com', company: '华东某三甲医院', source: 'web' }),
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    } finally {
      await db.exec(`ALTER TABLE leads DROP CONSTRAINT error_logs_test_refuse_rows`);
      await running.close();
    }
    expect(lines()).toContain('unhandled error');
    for (const value of ['张伟', '13800138000', 'zhang.wei@example.com', '华东某三甲医院', secret]) expect(lines()).not.toContain(value);
  });
});
