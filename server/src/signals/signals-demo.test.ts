import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../modules.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { startServer, type RunningServer } from '../server.js';
import { testEngines } from '../testing/engines.js';

// The demo page's 意向分 and 行为轨迹: the page reads them with its own rep token
// from the demo tenant's seeded events scored by its seeded rules.
describe.each(testEngines())('demo intent on $name', (engine) => {
  let db: Database;
  let server: RunningServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'huashu-signals-demo-'));
    db = await engine.open();
    server = await startServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_DATA_DIR: dataDir, HUASHU_JOBS: '0' }), db, demo: true, modules: allModules });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the rep’s hottest lead has a non-zero score with explanations and an activity built from real events', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    // The page no longer carries a hard-coded score or timeline.
    expect(html).not.toContain('78 / 100');
    const config = JSON.parse(html.match(/<script[^>]*id="huashu-config"[^>]*>([^<]*)<\/script>/)![1]!) as { repToken: string };
    const get = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${config.repToken}` } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as any;
    };
    const { leads } = await get('/v1/leads?sort=intent&limit=1');
    expect(leads).toHaveLength(1);
    const { lead } = await get(`/v1/leads/${leads[0].id}`);
    expect(lead.assignee.id).toBe('demo-rep-01');
    expect(lead.intent.score).toBeGreaterThan(0);
    expect(lead.intent.rulesVersion).toBeGreaterThan(0);
    const explanations = lead.intent.signals.map((signal: { explanation: { zh: string; en: string } }) => signal.explanation.zh);
    expect(explanations).toContain('对比页停留 4 分 12 秒后 10 分钟内下载安全白皮书');
    expect(explanations).toContain('主动索要POC环境');
    const activity = lead.intent.activity.map((item: { summary: { zh: string } }) => item.summary.zh);
    expect(activity).toEqual(expect.arrayContaining(['对比页停留 4 分 12 秒', '下载《数据安全白皮书（等保三级）》']));
    expect(lead.intent.activity.every((item: { messageId: string }) => item.messageId.startsWith('demo_'))).toBe(true);
  });
});
