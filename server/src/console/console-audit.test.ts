import { DEFAULT_HEALTH_THRESHOLDS, DEFAULT_POINTS_RULES } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../platform/auth/authenticate.js';
import { dispatchOutbox } from '../platform/jobs/index.js';
import { testEngines } from '../testing/engines.js';
import { useTestServer } from '../testing/suite.js';
import { repTokenFor, type TestTenant } from '../testing/test-server.js';
import { ruleSetAdapters } from './adapters.js';
import { consoleConsumers, publish, type RuleSetAdapter } from './console.service.js';

const RULES = {
  halfLife: 'P7D',
  weights: [{ id: 'poc_requested', event: 'poc_requested', weight: 0.5, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } }],
  sequences: [],
  silences: [],
  thresholds: [],
};
const CHANGED_RULES = { ...RULES, weights: [{ ...RULES.weights[0]!, weight: 1.2 }] };
const STAGES = {
  stages: [
    { key: 'qualify', name: '线索确认', order: 1 },
    { key: 'won', name: '赢单', order: 2, terminal: true },
  ],
};
const RENAMED_STAGES = { stages: [{ ...STAGES.stages[0]!, name: '商机确认' }, STAGES.stages[1]!] };
const PILOT_NURTURING_THRESHOLD = 0.5;
const SUCCESS_POINTS = 7;

type Entry = { actor: string; ruleSet: string; version: number | null; action: string; changes: Array<{ path: string; before: unknown; after: unknown }> };

describe.each(testEngines())('console publish and audit on $name', (engine) => {
  // No background runner: the test hands the outbox to the console's consumer itself.
  const suite = useTestServer(engine, { HUASHU_JOBS: '0' });
  const { call } = suite;
  const secretOf = (t: TestTenant): Principal => ({ kind: 'secret', tenantId: t.id, keyId: 'test-key' });
  /** The audit log after the outbox has been handed to the console's consumer. */
  const audit = async (t: TestTenant, ruleSet?: string) => {
    await dispatchOutbox(suite.ctx, consoleConsumers);
    return (await call('GET', `/v1/console/audit${ruleSet ? `?ruleSet=${ruleSet}` : ''}`, t.secretKey)).body.entries as Entry[];
  };
  /** The real adapter, failing right after its domain wrote the configuration. */
  const failingAfterWrite = (adapter: RuleSetAdapter): RuleSetAdapter => ({
    ...adapter,
    publish: async (...args) => {
      await adapter.publish(...args);
      throw new Error('forced fault after the domain write');
    },
  });

  describe('publishing is one transaction', () => {
    it('a signal-rule publish that fails after the domain wrote leaves the live rules and the version as they were', async () => {
      const t = await suite.server.tenant();
      expect((await call('PUT', '/v1/signal-rules', t.secretKey, RULES)).status).toBe(200);
      const draft = await call('POST', '/v1/console/rule-sets/signal-rules/versions', t.secretKey, { content: CHANGED_RULES });
      await expect(publish(suite.ctx, secretOf(t), 'signal-rules', failingAfterWrite(ruleSetAdapters['signal-rules']), draft.body.version)).rejects.toThrow('forced fault');

      const live = await call('GET', '/v1/signal-rules', t.secretKey);
      expect(live.body).toMatchObject({ version: 1, rules: { weights: [{ weight: 0.5 }] } });
      const listed = await call('GET', '/v1/console/rule-sets/signal-rules/versions', t.secretKey);
      expect(listed.body.versions.map((v: { status: string }) => v.status)).toEqual(['draft']);
      expect((await audit(t, 'signal-rules')).map((entry) => entry.action)).toEqual(['draft_created', 'changed_directly']);

      // The same version then publishes normally.
      expect((await call('POST', `/v1/console/rule-sets/signal-rules/versions/${draft.body.version}/publish`, t.secretKey)).body.status).toBe('published');
      expect((await call('GET', '/v1/signal-rules', t.secretKey)).body).toMatchObject({ version: 2, rules: { weights: [{ weight: 1.2 }] } });
    });

    it('a stages publish that fails after the pipeline wrote leaves the live stages and the version as they were', async () => {
      const t = await suite.server.tenant();
      expect((await call('PUT', '/v1/pipeline/stages', t.secretKey, STAGES)).status).toBe(200);
      const draft = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', t.secretKey, { content: RENAMED_STAGES });
      await expect(publish(suite.ctx, secretOf(t), 'pipeline-stages', failingAfterWrite(ruleSetAdapters['pipeline-stages']), draft.body.version)).rejects.toThrow('forced fault');
      expect((await call('GET', '/v1/pipeline/stages', t.secretKey)).body.stages[0].name).toBe('线索确认');
      expect((await call('GET', '/v1/console/rule-sets/pipeline-stages/versions', t.secretKey)).body.versions[0].status).toBe('draft');
    });
  });

  it('records every direct config PUT with who, when and what changed, and a console publish once', async () => {
    const t = await suite.server.tenant();
    const admin = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const keyActor = expect.stringMatching(/^key:/);
    expect((await call('PUT', '/v1/signal-rules', t.secretKey, RULES)).status).toBe(200);
    expect((await call('PUT', '/v1/signal-rules', admin, CHANGED_RULES)).status).toBe(200);
    expect((await call('PUT', '/v1/pipeline/stages', t.secretKey, STAGES)).status).toBe(200);
    expect((await call('PUT', '/v1/pipeline/stages', admin, RENAMED_STAGES)).status).toBe(200);
    expect((await call('PUT', '/v1/metrics/health/settings', admin, { thresholds: { leadNurturing: PILOT_NURTURING_THRESHOLD } })).status).toBe(200);
    expect((await call('PUT', '/v1/points/rules', admin, { successReported: SUCCESS_POINTS })).status).toBe(200);
    expect((await call('PUT', '/v1/capture-rules', admin, { rules: [{ id: 'topic', tag: '价格', anyOf: [['报价']] }] })).status).toBe(200);

    const entries = await audit(t);
    expect(entries.every((entry) => entry.action === 'changed_directly' && entry.version === null)).toBe(true);
    const byRuleSet = (ruleSet: string) => entries.filter((entry) => entry.ruleSet === ruleSet).reverse();

    const [firstRules, changedRules] = byRuleSet('signal-rules');
    expect(firstRules).toMatchObject({ actor: keyActor, changes: [{ path: '(root)', before: null }] });
    expect(changedRules).toMatchObject({ actor: 'rep:director', changes: [{ path: 'weights.0.weight', before: 0.5, after: 1.2 }] });

    const [, renamed] = byRuleSet('pipeline-stages');
    expect(renamed).toMatchObject({ actor: 'rep:director', changes: [{ path: 'stages.0.name', before: '线索确认', after: '商机确认' }] });
    expect(byRuleSet('health-settings')).toMatchObject([
      { actor: 'rep:director', changes: [{ path: 'thresholds.leadNurturing', before: DEFAULT_HEALTH_THRESHOLDS.leadNurturing, after: PILOT_NURTURING_THRESHOLD }] },
    ]);
    expect(byRuleSet('point-rules')).toMatchObject([{ actor: 'rep:director', changes: [{ path: 'successReported', before: DEFAULT_POINTS_RULES.successReported, after: SUCCESS_POINTS }] }]);
    expect(byRuleSet('capture-rules')[0]!.changes).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'rules.0.tag', after: '价格' })]));

    // A console publish writes the domain too, but is audited once, as the publish.
    const draft = await call('POST', '/v1/console/rule-sets/point-rules/versions', admin, { content: { successReported: SUCCESS_POINTS + 1 } });
    expect((await call('POST', `/v1/console/rule-sets/point-rules/versions/${draft.body.version}/publish`, admin)).status).toBe(200);
    const points = (await audit(t, 'point-rules')).map((entry) => entry.action);
    expect(points).toEqual(['published', 'draft_created', 'changed_directly']);
    // Delivering the outbox again adds nothing.
    expect((await audit(t)).length).toBe(entries.length + 2);
  });
});
