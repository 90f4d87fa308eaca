import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { dispatchOutbox } from '../platform/jobs/index.js';
import { ENTRY_REVIEWED, onEntryReviewed, onOutcomeReported, OUTCOME_REPORTED, pointsConsumers, type PointsEvent } from './points.service.js';
import { appendLedger } from './points.store.js';

const evidence = [{ kind: 'case', title: '某三甲医院 HIS 对接案例' }];
let serial = 0;

describe.each(testEngines())('contribution points on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let ctx: AppContext;
  let t: TestTenant;
  const tokens: Record<string, string> = {};

  const deliver = (handler: typeof onEntryReviewed, event: PointsEvent) => ctx.db.transaction((tx) => handler(ctx, event, tx));
  /** Hands the events committed so far to the points consumers, as the outbox dispatcher does every tick. */
  const flush = () => dispatchOutbox(ctx, pointsConsumers);
  /** The newest event of `type` about `entryId`, as the outbox stored it. */
  async function lastEvent(type: string, entryId: string): Promise<PointsEvent> {
    const rows = await db.query<{ id: string; type: string; data: unknown; created_at: Date | string }>(
      `SELECT id, type, data, created_at FROM outbox_events WHERE tenant_id = $1 AND type = $2 AND data->>'entryId' = $3 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [t.id, type, entryId],
    );
    const row = rows.rows[0]!;
    return { id: row.id, tenantId: t.id, type: row.type, data: row.data, createdAt: new Date(row.created_at).toISOString() };
  }

  /** A rep's contribution, as the contribute widget sends it. */
  async function contribute(rep: string): Promise<string> {
    const res = await server.call('POST', '/v1/knowledge', {
      key: tokens[rep],
      body: { question: `客户问题 ${++serial}：你们和 HIS 怎么对接？`, answer: '走标准 HL7 接口，六周上线。', evidence },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** A review decision through the API; its event reaches points through the outbox. */
  async function review(entryId: string, decision: string, reviewer = 'boss'): Promise<PointsEvent> {
    const res = await server.call('POST', `/v1/knowledge/${entryId}/review`, { key: tokens[reviewer], body: { decision, note: `${decision} 测试` } });
    expect(res.status).toBe(200);
    await flush();
    return lastEvent(ENTRY_REVIEWED, entryId);
  }

  async function outcome(entryId: string, rep: string | null, result: 'success' | 'failure' = 'success'): Promise<void> {
    const res = await server.call('POST', '/v1/outcomes', { key: rep ? tokens[rep] : t.secretKey, body: { entryId, outcome: result } });
    expect(res.status).toBe(201);
    await flush();
  }

  const me = async (rep: string) => (await server.call('GET', '/v1/points/me?limit=500', { key: tokens[rep] })).body;

  beforeAll(async () => {
    db = await engine.open();
    // No background runner: each test hands events over itself (flush), so what is paid when is deterministic.
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    ctx = server.running.ctx;
    t = await server.tenant();
    for (const [repId, role] of [
      ['ann', 'rep'],
      ['bo', 'rep'],
      ['cai', 'rep'],
      ['boss', 'reviewer'],
      ['root', 'admin'],
    ] as const) {
      tokens[repId] = await repTokenFor(t.secretKey, { repId, name: `销售-${repId}`, role });
    }
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('pays the default rules, and lets an admin change them field by field', async () => {
    const defaults = await server.call('GET', '/v1/points/rules', { key: tokens['ann'] });
    expect(defaults.body).toEqual({ entryApproved: 10, successReported: 5, entryReverified: 3 });
    const forbidden = await server.call('PUT', '/v1/points/rules', { key: tokens['boss'], body: { entryApproved: 50 } });
    expect(forbidden.status).toBe(403);
    const bad = await server.call('PUT', '/v1/points/rules', { key: t.secretKey, body: { entryApproved: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('entryApproved');
    const changed = await server.call('PUT', '/v1/points/rules', { key: tokens['root'], body: { entryApproved: 12 } });
    expect(changed.body).toEqual({ entryApproved: 12, successReported: 5, entryReverified: 3 });
    await server.call('PUT', '/v1/points/rules', { key: t.secretKey, body: { entryApproved: 10 } });
  });

  it('keeps every field of concurrent partial changes (no PUT overwrites another with what it read)', async () => {
    const other = await server.tenant();
    const puts = [{ entryApproved: 20 }, { successReported: 7 }, { entryReverified: 4 }];
    const results = await Promise.all(puts.map((body) => server.call('PUT', '/v1/points/rules', { key: other.secretKey, body })));
    expect(results.map((res) => res.status)).toEqual([200, 200, 200]);
    expect((await server.call('GET', '/v1/points/rules', { key: other.secretKey })).body).toEqual({ entryApproved: 20, successReported: 7, entryReverified: 4 });
  });

  it('pays the author once when a reviewer approves, however often the event is delivered', async () => {
    const entryId = await contribute('ann');
    const approved = await review(entryId, 'approve');
    expect(approved.data).toMatchObject({ entryId, status: 'approved', authorRepId: 'ann', reviewer: 'boss' });
    // Delivered again (a dispatcher that crashed before recording the delivery): nothing more is paid.
    await deliver(onEntryReviewed, approved);
    await deliver(onEntryReviewed, approved);
    const mine = await me('ann');
    const rows = mine.ledger.filter((row: { entryId: string }) => row.entryId === entryId);
    expect(rows).toEqual([
      expect.objectContaining({ repId: 'ann', amount: 10, reason: 'entry_approved', cause: { type: 'knowledge_entry', id: entryId }, actorRepId: 'boss', eventId: approved.id }),
    ]);
  });

  it('pays nothing to a reviewer who approves their own entry', async () => {
    const entryId = await contribute('boss');
    await review(entryId, 'approve', 'boss');
    expect((await me('boss')).ledger).toEqual([]);
  });

  it('pays the author for successes other reps report, once per reporting rep and day; self-reports and failures earn nothing', async () => {
    const entryId = await contribute('bo');
    await review(entryId, 'approve');
    const before = (await me('bo')).balance;
    await outcome(entryId, 'bo'); // the author's own success
    await outcome(entryId, 'ann', 'failure');
    await outcome(entryId, null); // a secret key: no rep to credit the report to
    expect((await me('bo')).balance).toBe(before);
    await outcome(entryId, 'ann');
    await outcome(entryId, 'ann'); // the same rep again today: counts once
    await outcome(entryId, 'cai');
    await deliver(onOutcomeReported, await lastEvent(OUTCOME_REPORTED, entryId)); // delivered again: paid once
    const mine = await me('bo');
    expect(mine.balance).toBe(before + 10);
    const successes = mine.ledger.filter((row: { reason: string }) => row.reason === 'success_reported');
    expect(successes.map((row: { actorRepId: string }) => row.actorRepId).sort()).toEqual(['ann', 'cai']);
    expect(successes.every((row: { cause: { type: string } }) => row.cause.type === 'outcome')).toBe(true);
  });

  it('pays a re-verification once per entry and day', async () => {
    const entryId = await contribute('cai');
    await review(entryId, 'approve');
    await review(entryId, 'approve');
    await review(entryId, 'approve');
    const reasons = (await me('cai')).ledger.filter((row: { entryId: string }) => row.entryId === entryId).map((row: { reason: string }) => row.reason);
    expect(reasons.sort()).toEqual(['entry_approved', 'entry_reverified']);
  });

  it('reverses the approval points when an entry is rejected or archived, linking the row it reverses', async () => {
    const rejected = await contribute('ann');
    const approval = await review(rejected, 'approve');
    await review(rejected, 'reject');
    const archived = await contribute('ann');
    await review(archived, 'approve');
    const archiving = await review(archived, 'archive');
    await deliver(onEntryReviewed, archiving); // delivered again: reversed once
    const ledger = (await me('ann')).ledger;
    for (const entryId of [rejected, archived]) {
      const rows = ledger.filter((row: { entryId: string }) => row.entryId === entryId);
      const paid = rows.find((row: { reason: string }) => row.reason === 'entry_approved');
      const reversal = rows.find((row: { reason: string }) => row.reason === 'reversal');
      expect(rows).toHaveLength(2);
      expect(reversal).toMatchObject({ amount: -paid.amount, cause: { type: 'ledger', id: paid.id } });
    }
    expect(ledger.find((row: { eventId: string }) => row.eventId === approval.id)).toBeDefined();
    // Approved again after a rejection: a fresh approval, paid again.
    await review(rejected, 'approve');
    const again = (await me('ann')).ledger.filter((row: { entryId: string; reason: string }) => row.entryId === rejected && row.reason === 'entry_approved');
    expect(again).toHaveLength(2);
  });

  it('keeps every balance equal to the sum of its ledger, and the ledger append-only', async () => {
    const sums = await db.query<{ rep_id: string; ledger: number; balance: number }>(
      `SELECT b.rep_id, coalesce((SELECT sum(amount) FROM points_ledger l WHERE l.tenant_id = b.tenant_id AND l.rep_id = b.rep_id), 0)::int AS ledger, b.balance
       FROM points_balances b WHERE b.tenant_id = $1`,
      [t.id],
    );
    expect(sums.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of sums.rows) expect(row.balance).toBe(row.ledger);
    for (const rep of ['ann', 'bo', 'cai']) {
      const mine = await me(rep);
      expect(mine.balance).toBe(mine.ledger.reduce((sum: number, row: { amount: number }) => sum + row.amount, 0));
    }
    await expect(db.query(`UPDATE points_ledger SET amount = 1000 WHERE tenant_id = $1`, [t.id])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM points_ledger WHERE tenant_id = $1`, [t.id])).rejects.toThrow(/append-only/);
  });

  it('redeems a reward: 409 insufficient_points below the cost, out_of_stock when none is left, recorded in the ledger', async () => {
    const rewards = await server.call('PUT', '/v1/points/rewards', {
      key: t.secretKey,
      body: { rewards: [{ id: 'course', name: '培训课程', cost: 15, stock: 1 }, { id: 'leave', name: '额外假期', cost: 100000 }] },
    });
    expect(rewards.status).toBe(200);
    expect(rewards.body.rewards).toEqual([
      { id: 'course', name: '培训课程', description: null, cost: 15, stock: 1 },
      { id: 'leave', name: '额外假期', description: null, cost: 100000, stock: null },
    ]);
    const before = (await me('bo')).balance;
    const poor = await server.call('POST', '/v1/points/redeem', { key: tokens['bo'], body: { rewardId: 'leave' } });
    expect(poor.status).toBe(409);
    expect(poor.body.error).toMatchObject({ code: 'insufficient_points', details: { cost: 100000, balance: before } });
    const ok = await server.call('POST', '/v1/points/redeem', { key: tokens['bo'], body: { rewardId: 'course' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ balance: before - 15, reward: { id: 'course', stock: 0 }, redemption: { rewardId: 'course', cost: 15, repId: 'bo' } });
    const gone = await server.call('POST', '/v1/points/redeem', { key: tokens['ann'], body: { rewardId: 'course' } });
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe('out_of_stock');
    const mine = await me('bo');
    expect(mine.balance).toBe(before - 15);
    expect(mine.ledger[0]).toMatchObject({ amount: -15, reason: 'redemption', rewardId: 'course', cause: { type: 'redemption', id: ok.body.redemption.id } });
    const missing = await server.call('POST', '/v1/points/redeem', { key: tokens['bo'], body: { rewardId: 'nothing-here' } });
    expect(missing.status).toBe(404);
    const bySecret = await server.call('POST', '/v1/points/redeem', { key: t.secretKey, body: { rewardId: 'course' } });
    expect(bySecret.status).toBe(403);
  });

  it('never goes below zero nor oversells under 20 concurrent redemptions', async () => {
    const other = await server.tenant();
    const credit = (repId: string, amount: number) =>
      appendLedger(db, other.id, { repId, amount, reason: 'entry_approved', causeType: 'knowledge_entry', causeId: `seed-${randomUUID()}` });
    await server.call('PUT', '/v1/points/rewards', {
      key: other.secretKey,
      body: { rewards: [{ id: 'mug', name: '马克杯', cost: 30 }, { id: 'seat', name: '重点项目优先参与', cost: 10, stock: 5 }] },
    });
    // One rep, 100 points, 20 redemptions of 30 at once: exactly 3 succeed.
    await credit('solo', 100);
    const solo = await repTokenFor(other.secretKey, { repId: 'solo', name: '单人' });
    const burst = await Promise.all(Array.from({ length: 20 }, () => server.call('POST', '/v1/points/redeem', { key: solo, body: { rewardId: 'mug' } })));
    expect(burst.filter((res) => res.status === 200)).toHaveLength(3);
    expect(burst.filter((res) => res.status === 409).every((res) => res.body.error.code === 'insufficient_points')).toBe(true);
    expect(burst.filter((res) => res.status === 409)).toHaveLength(17);
    // Twenty reps with enough points each, five seats: exactly five are taken.
    const reps = Array.from({ length: 20 }, (_, index) => `crowd-${index}`);
    for (const repId of reps) await credit(repId, 50);
    const crowd = await Promise.all(
      reps.map(async (repId) => server.call('POST', '/v1/points/redeem', { key: await repTokenFor(other.secretKey, { repId, name: repId }), body: { rewardId: 'seat' } })),
    );
    expect(crowd.filter((res) => res.status === 200)).toHaveLength(5);
    expect(crowd.filter((res) => res.status === 409).every((res) => res.body.error.code === 'out_of_stock')).toBe(true);
    const state = await db.query<{ balance: number; ledger: number }>(
      `SELECT b.balance, (SELECT sum(amount) FROM points_ledger l WHERE l.tenant_id = b.tenant_id AND l.rep_id = b.rep_id)::int AS ledger
       FROM points_balances b WHERE b.tenant_id = $1`,
      [other.id],
    );
    for (const row of state.rows) {
      expect(row.balance).toBeGreaterThanOrEqual(0);
      expect(row.balance).toBe(row.ledger);
    }
    const stock = await db.query<{ stock: number }>(`SELECT stock FROM points_rewards WHERE tenant_id = $1 AND id = 'seat'`, [other.id]);
    expect(stock.rows[0]!.stock).toBe(0);
    const redemptions = await server.call('GET', '/v1/points/redemptions', { key: other.secretKey });
    expect(redemptions.body.redemptions).toHaveLength(8);
  });

  it('ranks points earned this period, redemptions aside, optionally within a team', async () => {
    const league = await server.tenant();
    const add = (repId: string, amount: number, reason: 'entry_approved' | 'redemption' = 'entry_approved') =>
      appendLedger(db, league.id, { repId, amount, reason, causeType: reason === 'redemption' ? 'redemption' : 'knowledge_entry', causeId: randomUUID() });
    await add('x', 20);
    await add('y', 30);
    await add('z', 20);
    await add('y', -25, 'redemption');
    // Last year's points do not count this quarter.
    await db.query(
      `INSERT INTO points_ledger (id, tenant_id, rep_id, amount, reason, cause_type, cause_id, day, created_at)
       VALUES ($1, $2, 'z', 500, 'entry_approved', 'knowledge_entry', 'old', now()::date - 400, now() - interval '400 days')`,
      [randomUUID(), league.id],
    );
    await server.call('PUT', '/v1/points/teams', { key: league.secretKey, body: { teams: [{ team: '华东', repIds: ['x', 'y'] }, { team: '华南', repIds: ['z'] }] } });
    const board = await server.call('GET', '/v1/points/leaderboard?period=quarter', { key: league.secretKey });
    expect(board.status).toBe(200);
    expect(board.body.leaders).toEqual([
      { rank: 1, repId: 'y', name: null, team: '华东', points: 30 },
      { rank: 2, repId: 'x', name: null, team: '华东', points: 20 },
      { rank: 2, repId: 'z', name: null, team: '华南', points: 20 },
    ]);
    const east = await server.call('GET', `/v1/points/leaderboard?period=week&team=${encodeURIComponent('华东')}`, { key: league.secretKey });
    expect(east.body.leaders.map((leader: { repId: string }) => leader.repId)).toEqual(['y', 'x']);
    // Weeks start on Monday at midnight in Asia/Shanghai.
    const since = new Date(east.body.since);
    const shanghai = new Date(since.getTime() + 8 * 3600_000);
    expect([shanghai.getUTCDay(), shanghai.getUTCHours(), shanghai.getUTCMinutes()]).toEqual([1, 0, 0]);
    const bad = await server.call('GET', '/v1/points/leaderboard?period=year', { key: league.secretKey });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toMatch(/period$/);
  });

  it('pays through the running server: the review commits its event, the job runner delivers it to points', async () => {
    const live = await startTestServer(db, { HUASHU_JOBS_INTERVAL_MS: '20' });
    try {
      const tenant = await live.tenant();
      const author = await repTokenFor(tenant.secretKey, { repId: 'live-author', name: '作者', role: 'rep' });
      const colleague = await repTokenFor(tenant.secretKey, { repId: 'live-colleague', name: '同事', role: 'rep' });
      const created = await live.call('POST', '/v1/knowledge', { key: author, body: { question: '你们支持私有化部署吗？', answer: '支持，两周交付。', evidence } });
      await live.call('POST', `/v1/knowledge/${created.body.id}/review`, { key: tenant.secretKey, body: { decision: 'approve' } });
      await live.call('POST', '/v1/outcomes', { key: colleague, body: { entryId: created.body.id, outcome: 'success' } });
      const deadline = Date.now() + 20_000;
      let balance = 0;
      while (balance < 15 && Date.now() < deadline) {
        balance = (await live.call('GET', '/v1/points/me', { key: author })).body.balance;
        if (balance < 15) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(balance).toBe(15);
    } finally {
      await live.close();
    }
  });

  it('refuses points of a rep to anything but a rep token', async () => {
    const res = await server.call('GET', '/v1/points/me', { key: t.secretKey });
    expect(res.status).toBe(403);
  });

  it('lets the tenant go: deleting it takes its ledger along', async () => {
    const gone = await server.tenant();
    await appendLedger(db, gone.id, { repId: 'r', amount: 5, reason: 'entry_approved', causeType: 'knowledge_entry', causeId: 'x' });
    await db.query(`DELETE FROM tenants WHERE id = $1`, [gone.id]);
    const left = await db.query(`SELECT 1 FROM points_ledger WHERE tenant_id = $1`, [gone.id]);
    expect(left.rows).toHaveLength(0);
  });
});
