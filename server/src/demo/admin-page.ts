import type express from 'express';
import type { Config } from '../platform/config.js';
import { setPageSecurityHeaders } from '../platform/http/security.js';

/** The console's widgets, in the order the settings page shows them (one section each). */
export const ADMIN_WIDGETS = [
  ['huashu-review-queue', '话术审核', 'Script review'],
  ['huashu-signal-rules', '意向信号', 'Intent signals'],
  ['huashu-stage-editor', '商机阶段', 'Deal stages'],
  ['huashu-lead-routing', '线索分配', 'Lead routing'],
  ['huashu-points-admin', '积分与奖励', 'Points and rewards'],
  ['huashu-learning-packs', '新人学习包', 'Learning packs'],
  ['huashu-capture-rules', '对话采集', 'Conversation capture'],
  ['huashu-health-dashboard', '过程健康度', 'Process health'],
] as const;

/**
 * The mock CRM's settings page: every console widget on the demo tenant with
 * an admin's rep token. Text only; the config travels as JSON in a data
 * script (with `<` escaped) and one inline script sets the attributes, so the
 * page's CSP allows exactly that script by its hash.
 */
function adminPage(lang: 'zh-CN' | 'en', config: { repToken: string; lang: string }): string {
  const en = lang === 'en';
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const nav = ADMIN_WIDGETS.map(([tag, zh, english]) => `<a href="#${tag}">${en ? english : zh}</a>`).join('');
  const sections = ADMIN_WIDGETS.map(([tag, zh, english]) => `<section class="card" id="${tag}"><h2>${en ? english : zh}</h2><${tag}></${tag}></section>`).join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${en ? 'Yunce CRM · Settings — Huashu console demo' : '云策 CRM · 系统设置 — 话术管理台演示'}</title>
<script type="application/json" id="huashu-config">${json}</script>
<style>
  :root { --huashu-accent: #1f6feb; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: #1f2328; }
  * { box-sizing: border-box; }
  body { margin: 0; background: #f4f6f8; }
  header { display: flex; align-items: center; gap: 16px; height: 52px; padding: 0 20px; background: #1b2a41; color: #fff; }
  header .brand { font-weight: 700; }
  header .lang { margin-left: auto; font-size: 13px; }
  header a { color: #c9d4e3; margin-left: 8px; }
  .layout { display: grid; grid-template-columns: 200px minmax(0, 1fr); gap: 16px; padding: 16px 20px; max-width: 1400px; margin: 0 auto; }
  nav { display: grid; align-content: start; gap: 4px; position: sticky; top: 16px; }
  nav a { padding: 8px 12px; border-radius: 6px; color: #1f2328; text-decoration: none; font-size: 14px; }
  nav a:hover, nav a:focus-visible { background: #e7ecf2; }
  .card { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px; margin-bottom: 16px; }
  .card h2 { font-size: 16px; margin: 0 0 12px; }
  @media (max-width: 800px) { .layout { grid-template-columns: 1fr; } nav { position: static; grid-auto-flow: column; overflow-x: auto; } }
</style>
<script type="module" src="/widget/huashu-admin.js"></script>
</head>
<body>
<header><span class="brand">${en ? 'Yunce CRM · Settings' : '云策 CRM · 系统设置'}</span><span>${en ? 'Signed in as 周总监 (admin)' : '当前用户：周总监（管理员）'}</span>
<span class="lang"><a href="/admin?lang=zh-CN">中文</a><a href="/admin?lang=en">English</a></span></header>
<div class="layout">
<nav aria-label="${en ? 'Settings' : '设置'}">${nav}</nav>
<main>
${sections}
</main>
</div>
<script>
  (function () {
    var config = JSON.parse(document.getElementById('huashu-config').textContent);
    document.querySelectorAll('main section > *:not(h2)').forEach(function (el) {
      el.setAttribute('endpoint', location.origin);
      el.setAttribute('lang', config.lang);
      el.setAttribute('token', config.repToken);
    });
  })();
</script>
</body>
</html>`;
}

/** Serves `/admin`; `mintToken` signs a fresh admin rep token per view (the page's token lives an hour). */
export function mountAdminPage(app: express.Express, config: Pick<Config, 'HUASHU_FRAME_ANCESTORS'>, mintToken: () => Promise<string>): void {
  app.get('/admin', async (req, res) => {
    const lang = req.query['lang'] === 'en' ? 'en' : 'zh-CN';
    const html = adminPage(lang, { repToken: await mintToken(), lang });
    setPageSecurityHeaders(res, html, config);
    res.type('html').setHeader('Cache-Control', 'no-store').send(html);
  });
}
