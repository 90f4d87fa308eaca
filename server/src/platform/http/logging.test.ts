import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../modules.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { startServer, type RunningServer } from '../../server.js';
import { createTenant, issueKey } from '../auth/key-store.js';
import { testEngines } from '../../testing/engines.js';
import { repTokenFor } from '../../testing/test-server.js';

describe('logs', () => {
  let db: Database;
  let server: RunningServer;
  let lines = '';
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    const logger = createLogger('info', { write: (line: string) => void (lines += line) });
    server = await startServer({ config: loadConfig({ PORT: '0' }), db, logger, modules: allModules });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('record requests without any key or token, wherever the credential travelled', async () => {
    const tenant = await createTenant(db, { name: 'logs', slug: 'logs' });
    const secret = (await issueKey(db, tenant.id, 'secret')).key;
    const publishable = (await issueKey(db, tenant.id, 'publishable')).key;
    const token = await repTokenFor(secret, { repId: 'r1', name: '李娜' });
    const post = (path: string, key: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post('/v1/leads', secret, { source: 'web', phone: '13800138000' });
    await post('/v1/assistant/ask', token, { question: '太贵了' });
    await post('/v1/leads', `${secret}x`, { source: 'web', phone: '13800138000' });
    await fetch(`${server.url}/v1/events/batch?key=${publishable}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ sentAt: new Date().toISOString(), batch: [] }),
    });
    expect(lines).toContain('"path":"/v1/events/batch"');
    expect(lines.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(4);
    for (const credential of [secret, publishable, token, secret.slice(3, 20), token.split('.')[2]!]) expect(lines).not.toContain(credential);
  });
});
