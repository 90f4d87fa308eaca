import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { AppContext } from '../platform/context.js';
import type { DomainModule } from '../platform/module.js';
import { signRepToken } from '../platform/auth/rep-token.js';
import { createTenant, findTenantBySlug, issueKey, revokeKeys, type Tenant } from '../platform/auth/key-store.js';

export const DEMO_SLUG = 'demo';
const PAGE_KEY_LABEL = 'demo-page';

export interface DemoSetup {
  tenant: Tenant;
  /** The publishable key embedded in the demo page (rotated every start; public by design). */
  publishableKey: string;
  /** Keys printed on first run; undefined when the tenant already existed. */
  firstRunKeys?: { secretKey: string; publishableKey: string };
  mount(app: express.Express): void;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The demo tenant on first run, its keys (pinned by the environment or generated
 * and printed once), its sample data, and the mock CRM page at `/`.
 */
export async function mountDemo(ctx: AppContext, modules: readonly DomainModule[]): Promise<DemoSetup> {
  const { db, config } = ctx;
  let tenant = await findTenantBySlug(db, DEMO_SLUG);
  let firstRunKeys: DemoSetup['firstRunKeys'];
  if (!tenant) {
    tenant = await createTenant(db, { name: '云策科技（演示）', slug: DEMO_SLUG });
    const secret = await issueKey(db, tenant.id, 'secret', { key: config.HUASHU_SECRET_KEY, label: 'demo' });
    const publishable = await issueKey(db, tenant.id, 'publishable', { key: config.HUASHU_PUBLISHABLE_KEY, label: 'demo' });
    firstRunKeys = { secretKey: secret.key, publishableKey: publishable.key };
    for (const module of modules) await module.seedDemo?.(ctx, tenant);
  } else {
    if (config.HUASHU_SECRET_KEY) await issueKey(db, tenant.id, 'secret', { key: config.HUASHU_SECRET_KEY, label: 'demo' });
    if (config.HUASHU_PUBLISHABLE_KEY) await issueKey(db, tenant.id, 'publishable', { key: config.HUASHU_PUBLISHABLE_KEY, label: 'demo' });
  }
  // Only hashes are stored, so the page gets a fresh publishable key each start.
  await revokeKeys(db, tenant.id, PAGE_KEY_LABEL);
  const pageKey = await issueKey(db, tenant.id, 'publishable', { label: PAGE_KEY_LABEL });
  const demoTenant = tenant;

  const pageTemplate = readFileSync(new URL('../../demo/page.html', import.meta.url), 'utf8');

  async function repToken(): Promise<string> {
    const key = await db.query<{ lookup_id: string; signing_key: string }>(
      `SELECT lookup_id, signing_key FROM api_keys WHERE tenant_id = $1 AND kind = 'secret' AND revoked_at IS NULL ORDER BY created_at LIMIT 1`,
      [demoTenant.id],
    );
    const row = key.rows[0];
    if (!row) throw new Error('demo tenant has no secret key');
    const { token } = await signRepToken(row.signing_key, row.lookup_id, { repId: 'demo-rep-01', name: '王磊', role: 'reviewer', hireDate: '2026-10-08' }, 8 * 3600);
    return token;
  }

  return {
    tenant: demoTenant,
    publishableKey: pageKey.key,
    firstRunKeys,
    mount(app) {
      app.get('/', async (req, res) => {
        const lang = req.query['lang'] === 'en' ? 'en' : 'zh-CN';
        const pageConfig = { endpoint: '', publishableKey: pageKey.key, repToken: await repToken(), lang };
        // `<` escaped so no value can close the script element.
        const json = JSON.stringify(pageConfig).replace(/</g, '\\u003c');
        res
          .type('html')
          .setHeader('Cache-Control', 'no-store')
          .send(pageTemplate.replace('__HUASHU_CONFIG__', json).replaceAll('__LANG__', lang));
      });
      for (const [prefix, dir] of [
        ['/widget', 'widget/dist'],
        ['/sdk', 'sdk/dist'],
      ] as const) {
        const path = `${ROOT}${dir}`;
        if (existsSync(path)) app.use(prefix, express.static(path, { index: false, fallthrough: true }));
      }
    },
  };
}
