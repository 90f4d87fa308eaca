import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import { verifyWebhook, WebhookVerificationError } from './node.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// The SDK verifies on its own (no server code in it); this checks it against
// what the real server sends to a real receiver.
describe('verifyWebhook against the real server', () => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Server;
  const received: Delivery[] = [];
  let secret: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    db = await testEngines()[0]!.open();
    server = await startTestServer(db, { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1' });
    tenant = await server.tenant();
    const created = await server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body: { url: `http://127.0.0.1:${port}/crm/huashu`, events: ['lead.created'] } });
    secret = created.body.secret;
    const lead = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { name: '李娜', email: 'li.na@example.cn', company: '华信消费金融', source: 'website' } });
    const deadline = Date.now() + 20_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lead.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it("verifies a delivery from Node's req.headers and the raw body", () => {
    const [delivery] = received;
    const event = verifyWebhook(secret, delivery!.headers, delivery!.body);
    expect(event.type).toBe('lead.created');
    expect((event.data as { lead: { id: string; company: string } }).lead).toMatchObject({ id: expect.any(String), company: '华信消费金融' });
    expect(Date.parse(event.timestamp)).not.toBeNaN();
    // The same from a fetch Headers object and from a string body.
    const headers = new Headers(Object.entries(delivery!.headers).map(([name, value]): [string, string] => [name, String(value)]));
    expect(verifyWebhook(secret, headers, delivery!.body.toString('utf8')).type).toBe('lead.created');
  });

  it('accepts any of several secrets while rotating', () => {
    const [delivery] = received;
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect(verifyWebhook([other, secret], delivery!.headers, delivery!.body).type).toBe('lead.created');
  });

  it('refuses a changed body, a wrong secret, a stale or missing timestamp and missing headers', () => {
    const [delivery] = received;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookVerificationError);
        return (error as WebhookVerificationError).code;
      }
      return 'accepted';
    };
    const tampered = Buffer.from(delivery!.body.toString('utf8').replace('华信消费金融', '别的公司'));
    expect(code(() => verifyWebhook(secret, delivery!.headers, tampered))).toBe('invalid_signature');
    expect(code(() => verifyWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, delivery!.headers, delivery!.body))).toBe('invalid_signature');
    const sentAt = Number(delivery!.headers['webhook-timestamp']) * 1000;
    expect(code(() => verifyWebhook(secret, delivery!.headers, delivery!.body, { now: () => sentAt + 6 * 60_000 }))).toBe('timestamp_out_of_tolerance');
    expect(code(() => verifyWebhook(secret, delivery!.headers, delivery!.body, { now: () => sentAt + 4 * 60_000 }))).toBe('accepted');
    expect(code(() => verifyWebhook(secret, { ...delivery!.headers, 'webhook-id': 'evt_other' }, delivery!.body))).toBe('invalid_signature');
    expect(code(() => verifyWebhook(secret, { ...delivery!.headers, 'webhook-timestamp': 'soon' }, delivery!.body))).toBe('invalid_timestamp');
    const { ['webhook-signature']: _dropped, ...unsigned } = delivery!.headers;
    expect(code(() => verifyWebhook(secret, unsigned, delivery!.body))).toBe('missing_headers');
  });
});
