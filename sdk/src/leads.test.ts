import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHuashu } from './client.js';
import { createMemoryStorage, fakePage, json, scriptedFetch, type ScriptStep } from './test-support/fakes.js';
import { HuashuApiError } from './transport.js';

const lead = { id: 'lead_1', name: '李雷', phone: '13800000000', email: null, wechat: null, company: null, source: 'website', campaign: null, consent: true, fields: {}, createdAt: '2026-11-22T10:00:00.000Z' };

function setup(options: { consent?: 'opt-in' | 'opt-out' } = {}, ...script: ScriptStep[]) {
  const page = fakePage('https://example.com/demo?utm_source=ads');
  const server = scriptedFetch(...script);
  const client = createHuashu({
    endpoint: 'https://api.test',
    publishableKey: 'pk_test_1',
    fetch: server.fetch,
    storage: createMemoryStorage(),
    environment: page.environment,
    autoPage: false,
    ...options,
  });
  const leadRequests = () => server.requests.filter((request) => request.url.endsWith('/v1/leads'));
  return { client, server, leadRequests };
}

/** Runs `promise` while the fake clock moves on, so retry waits elapse. */
async function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  const outcome = Promise.allSettled([promise]);
  await vi.advanceTimersByTimeAsync(60_000);
  return (await outcome)[0]!;
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('leads.capture', () => {
  it('posts the form with an idempotency key, the page URL and the anonymous id, and resolves { lead, created }', async () => {
    const { client, leadRequests } = setup({}, json({ lead, created: true }, 201));
    const result = await client.leads.capture({ source: 'website', name: '李雷', phone: '13800000000', consent: true, fields: { budget: '50万' } });
    expect(result).toEqual({ lead, created: true });
    const [request] = leadRequests();
    expect(request!.headers['authorization']).toBe('Bearer pk_test_1');
    expect(request!.body).toEqual({
      source: 'website',
      name: '李雷',
      phone: '13800000000',
      consent: true,
      fields: { budget: '50万' },
      idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      page: 'https://example.com/demo?utm_source=ads',
      anonymousId: expect.any(String),
    });
  });

  it('cuts a long page URL at a code-point boundary and sends lone surrogates as U+FFFD', async () => {
    const { client, leadRequests } = setup({}, json({ lead, created: true }, 201));
    // A caller-given page with an emoji straddling the 2048-unit limit, and a name pasted with half an emoji.
    const page = `https://example.com/?q=${'x'.repeat(2047 - 'https://example.com/?q='.length)}${'😀'.repeat(10)}`;
    await client.leads.capture({ source: 'website', name: '李雷\ud83d', fields: { note: '\ude00好' }, page });
    const { body } = leadRequests()[0]!;
    expect(body.page).toBe(page.slice(0, 2047));
    expect(body.name).toBe('李雷\ufffd');
    expect(body.fields).toEqual({ note: '\ufffd好' });
  });

  it('retries network errors, 5xx and 429 with the same idempotency key', async () => {
    const { client, leadRequests } = setup(
      {},
      new TypeError('Failed to fetch'),
      json({ error: { code: 'internal', message: 'boom' } }, 503),
      json({ error: { code: 'rate_limited', message: 'slow' } }, 429, { 'retry-after': '1' }),
      json({ lead, created: false }),
    );
    const outcome = await settle(client.leads.capture({ source: 'website', phone: '13800000000' }));
    expect(outcome).toEqual({ status: 'fulfilled', value: { lead, created: false } });
    const keys = leadRequests().map((request) => request.body.idempotencyKey);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
  });

  it('rejects with the server error and its field issues, without retrying a 400', async () => {
    const issues = [{ path: 'phone', message: 'not a valid phone number' }];
    const { client, leadRequests } = setup({}, json({ error: { code: 'validation_failed', message: 'invalid lead', details: { issues } } }, 400));
    const outcome = await settle(client.leads.capture({ source: 'website', phone: '12' }));
    expect(outcome.status).toBe('rejected');
    const error = (outcome as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(HuashuApiError);
    expect(error).toMatchObject({ code: 'validation_failed', status: 400, message: 'invalid lead', issues });
    expect(leadRequests()).toHaveLength(1);
  });

  it('gives up after four attempts, and at once when Retry-After is longer than a form can wait', async () => {
    const down = () => json({ error: { code: 'internal', message: 'down' } }, 500);
    const first = setup({}, down(), down(), down(), down(), down());
    expect(await settle(first.client.leads.capture({ source: 'website' }))).toMatchObject({ status: 'rejected', reason: { code: 'internal' } });
    expect(first.leadRequests()).toHaveLength(4);

    const second = setup({}, json({ error: { code: 'rate_limited', message: 'later' } }, 429, { 'retry-after': '120' }));
    expect(await settle(second.client.leads.capture({ source: 'website' }))).toMatchObject({ status: 'rejected', reason: { code: 'rate_limited', retryAfterMs: 120_000 } });
    expect(second.leadRequests()).toHaveLength(1);
  });

  it('honours a caller-supplied idempotency key and an AbortSignal', async () => {
    const { client, leadRequests } = setup({}, new TypeError('offline'));
    const controller = new AbortController();
    const pending = client.leads.capture({ source: 'website', idempotencyKey: 'form-7f3a-submit' }, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    expect(await settle(pending)).toMatchObject({ status: 'rejected', reason: { code: 'aborted' } });
    expect(leadRequests()[0]!.body.idempotencyKey).toBe('form-7f3a-submit');
  });

  it('ties the browsing history to the new lead: an identify event follows, later events carry the lead id', async () => {
    const { client, server } = setup({}, json({ lead, created: true }, 201));
    await client.leads.capture({ source: 'website' });
    client.track('after_form');
    await client.flush();
    const events = server.requests.filter((request) => request.url.includes('/events/')).flatMap((request) => request.body.batch);
    expect(events.map((event) => [event.type, event.leadId])).toEqual([
      ['identify', 'lead_1'],
      ['track', 'lead_1'],
    ]);
  });

  it('works without tracking consent, and then sends no anonymous id and no identify event', async () => {
    const { client, server, leadRequests } = setup({ consent: 'opt-in' }, json({ lead, created: true }, 201));
    await client.leads.capture({ source: 'website' });
    await client.flush();
    expect(leadRequests()[0]!.body.anonymousId).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });
});
