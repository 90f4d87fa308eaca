import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { AppContext } from '../platform/context.js';
import type { DomainModule } from '../platform/module.js';
import { signRepToken } from '../platform/auth/rep-token.js';
import { deriveRepTokenKeyPair } from '../platform/auth/keys.js';
import { createTenant, findTenantBySlug, issueKey, revokeKeys, type Tenant } from '../platform/auth/key-store.js';
import { allowCrossOriginAssets, setPageSecurityHeaders } from '../platform/http/security.js';
import { mountAdminPage } from './admin-page.js';

export const DEMO_SLUG = 'demo';
const PAGE_KEY_LABEL = 'demo-page';
/** The secret key that signs the page's rep tokens: issued each start and held in memory only. */
const SIGNER_KEY_LABEL = 'demo-signer';
/** The page's rep token lives an hour: enough for a demo, short enough that a copied one soon dies. */
const PAGE_TOKEN_TTL_SECONDS = 60 * 60;
/** The rep the demo page acts as: a plain rep (reviewing needs the secret key or a reviewer token from a real CRM). */
const DEMO_REP = { repId: 'demo-rep-01', name: '王磊', role: 'rep', hireDate: '2026-10-08' } as const;
/** The sales director the console page (/admin) acts as. */
const DEMO_ADMIN = { repId: 'demo-director', name: '周总监', role: 'admin' } as const;

export interface DemoSetup {
  tenant: Tenant;
  /** The publishable key embedded in the demo page (rotated every start; public by design). */
  publishableKey: string;
  /** Keys printed on first run; undefined when the tenant already existed. */
  firstRunKeys?: { secretKey: string; publishableKey: string };
  /** Set when the demo listens beyond loopback: the page hands anyone who opens it a working key and rep token. */
  warning?: string;
  mount(app: express.Express): void;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Whether HOST keeps the server on this machine (`0.0.0.0` and `::` listen on every interface). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

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
  // Only hashes are stored, so the page gets a fresh publishable key, and a fresh
  // signer for its rep tokens, each start.
  await revokeKeys(db, tenant.id, PAGE_KEY_LABEL);
  const pageKey = await issueKey(db, tenant.id, 'publishable', { label: PAGE_KEY_LABEL });
  await revokeKeys(db, tenant.id, SIGNER_KEY_LABEL);
  const signer = await issueKey(db, tenant.id, 'secret', { label: SIGNER_KEY_LABEL });
  const { privateKey } = deriveRepTokenKeyPair(signer.key);
  const demoTenant = tenant;
  const warning = isLoopbackHost(config.HOST)
    ? undefined
    : `the demo is listening on ${config.HOST}, beyond this machine: its page hands every visitor a publishable key and a rep token for the demo tenant. Use HOST=127.0.0.1 or HUASHU_DEMO=0 outside a trusted network.`;
  if (warning) ctx.logger.warn({ host: config.HOST }, warning);

  const pageTemplate = readFileSync(new URL('../../demo/page.html', import.meta.url), 'utf8');

  async function repToken(): Promise<string> {
    const { token } = await signRepToken(privateKey, signer.lookupId, DEMO_REP, PAGE_TOKEN_TTL_SECONDS);
    return token;
  }

  return {
    tenant: demoTenant,
    publishableKey: pageKey.key,
    firstRunKeys,
    warning,
    mount(app) {
      app.get('/', async (req, res) => {
        const lang = req.query['lang'] === 'en' ? 'en' : 'zh-CN';
        const pageConfig = { endpoint: '', publishableKey: pageKey.key, repToken: await repToken(), lang };
        // `<` escaped so no value can close the script element.
        const json = JSON.stringify(pageConfig).replace(/</g, '\\u003c');
        const html = pageTemplate.replace('__HUASHU_CONFIG__', json).replaceAll('__LANG__', lang);
        setPageSecurityHeaders(res, html, config);
        res.type('html').setHeader('Cache-Control', 'no-store').send(html);
      });
      mountAdminPage(app, config, async () => (await signRepToken(privateKey, signer.lookupId, DEMO_ADMIN, PAGE_TOKEN_TTL_SECONDS)).token);
      for (const [prefix, dir] of [
        ['/widget', 'widget/dist'],
        ['/sdk', 'sdk/dist'],
      ] as const) {
        const path = `${ROOT}${dir}`;
        if (existsSync(path)) app.use(prefix, allowCrossOriginAssets, express.static(path, { index: false, fallthrough: true }));
      }
    },
  };
}
