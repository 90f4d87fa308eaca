import { html, LitElement, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { DailyReport } from '@huashu/core';
import { createDailyReportClient, DailyReportError, type DailyReportClient } from './daily-report-client.js';
import { resolveLocale } from '../../internal/i18n.js';
import { alertIcon } from '../../internal/icons.js';
import { baseStyles } from '../../internal/styles.js';
import { dailyReportStyles } from './daily-report.styles.js';

export { createDailyReportClient, DailyReportError, type DailyReportClient } from './daily-report-client.js';

/**
 * The widget's own words and plumbing: it ships as its own small bundle (the
 * reps' bundle is at its budget), so it extends LitElement and leaves the
 * shared message table and SDK out.
 */
const WORDS = {
  'zh-CN': {
    label: '销售日报',
    loading: '正在生成日报…',
    team: '全员',
    newLeads: (n: number, m: number) => `今日新增线索 ${n} 条（其中制造业 ${m} 条）`,
    hot: (n: number, days: number | null) => `跟进中高意向客户 ${n} 家${days === null ? '' : `（平均停滞 ${days} 天）`}`,
    tasks: (n: number, overdue: number) => `待处理跨部门协同任务 ${n} 项${overdue ? `（逾期 ${overdue} 项）` : ''}`,
    breaches: (n: number) => `首次响应超时 ${n} 条`,
    stalled: (n: number) => `停滞商机 ${n} 个`,
    byIndustry: '新增线索行业分布',
    hotList: '高意向客户',
    score: (score: number, days: number) => `意向分 ${score} · 停滞 ${days} 天`,
    unset: '未填写',
    failed: (message: string) => `日报加载失败：${message}`,
  },
  en: {
    label: 'Daily report',
    loading: 'Building the report…',
    team: 'whole team',
    newLeads: (n: number, m: number) => `New leads today: ${n} (${m} in manufacturing)`,
    hot: (n: number, days: number | null) => `High-intent customers in follow-up: ${n}${days === null ? '' : ` (stalled ${days} days on average)`}`,
    tasks: (n: number, overdue: number) => `Open cross-team tasks: ${n}${overdue ? ` (${overdue} overdue)` : ''}`,
    breaches: (n: number) => `First-response SLA breaches: ${n}`,
    stalled: (n: number) => `Stalled deals: ${n}`,
    byIndustry: 'New leads by industry',
    hotList: 'High-intent customers',
    score: (score: number, days: number) => `intent ${score} · stalled ${days} days`,
    unset: 'not given',
    failed: (message: string) => `The report could not be loaded: ${message}`,
  },
};

type Phase = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * @summary The rep's daily report from live data: new leads, high-intent customers and how long they have stalled, open cross-team tasks, SLA breaches and stalled deals.
 *
 * Every figure is text (the bar chart of new leads by industry repeats its
 * numbers in words); lead data is rendered as text, never as markup.
 *
 * @tag huashu-daily-report
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend; a rep's token reads that rep's report, a reviewer's or admin's any rep's (or the team's without `rep`).
 * @attr {string} rep - Whose report (managers only).
 * @attr {string} date - The day (`YYYY-MM-DD`, Asia/Shanghai); default today.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 *
 * @event {{ report: DailyReport }} huashu-daily-report-loaded - The widget shows this report.
 * @event {{ error: DailyReportError }} huashu-daily-report-error - The report could not be loaded.
 *
 * @csspart base - The wrapper of everything.
 * @csspart headline - The report's sentences.
 * @csspart chart - New leads by industry.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Bars. Default `#1f6feb`.
 * @cssproperty --huashu-danger - Overdue and breached figures. Default `#cf222e`.
 */
export class HuashuDailyReport extends LitElement {
  static override styles = [baseStyles, dailyReportStyles];

  static override properties: PropertyDeclarations = {
    endpoint: { type: String },
    token: { type: String },
    rep: { type: String },
    date: { type: String },
    client: { attribute: false },
    report: { state: true },
    phase: { state: true },
    errorMessage: { state: true },
  };

  /** Base URL of the Huashu API. */
  endpoint = '';
  /** A rep token minted by the CRM's backend. */
  token = '';
  /** Whose report (managers only). */
  rep = '';
  /** The day, `YYYY-MM-DD` in Asia/Shanghai; default today. */
  date = '';
  /** A client to use instead of one made from `endpoint` and `token`. */
  client: DailyReportClient | undefined;
  /** The report shown; undefined before it loads. */
  report: DailyReport | undefined;
  private phase: Phase = 'idle';
  private errorMessage = '';
  private loadSerial = 0;

  /** The element's `lang`, an ancestor's, or the page's; read at each render. */
  private get words() {
    return WORDS[resolveLocale(this.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang)];
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((['endpoint', 'rep', 'date', 'client'] as const).some((name) => changed.has(name)) || (this.phase === 'idle' && changed.has('token'))) void this.load();
  }

  /** Loads the report again. */
  async reload(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<void> {
    const client = this.client ?? (this.endpoint && this.token ? createDailyReportClient(this.endpoint, () => this.token) : undefined);
    if (!client) return;
    const serial = ++this.loadSerial;
    this.phase = 'loading';
    this.errorMessage = '';
    try {
      const report = await client.daily({ rep: this.rep, date: this.date });
      if (serial !== this.loadSerial) return;
      this.report = report;
      this.phase = 'ready';
      this.announce('huashu-daily-report-loaded', { report });
    } catch (thrown) {
      if (serial !== this.loadSerial) return;
      const error = thrown instanceof DailyReportError ? thrown : new DailyReportError('unexpected', String(thrown));
      this.phase = 'failed';
      this.errorMessage = this.words.failed(error.message);
      this.announce('huashu-daily-report-error', { error });
    }
  }

  /** Like the other widgets' events: bubbling and composed, so the host page hears them through the shadow root. */
  private announce(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private renderChart(report: DailyReport): TemplateResult | typeof nothing {
    const rows = report.newLeads.byIndustry;
    if (rows.length === 0) return nothing;
    const max = Math.max(...rows.map((row) => row.count));
    return html`<h4 class="subtitle">${this.words.byIndustry}</h4>
      <div part="chart" class="chart" role="list">
        ${rows.map(
          (row) => html`<span role="listitem">${row.industry === '未填写' ? this.words.unset : row.industry}</span
            ><span class="bar" style="width:${Math.round((row.count / max) * 100)}%" aria-hidden="true"></span><span>${row.count}</span>`,
        )}
      </div>`;
  }

  protected override render(): TemplateResult {
    const report = this.report;
    const w = this.words;
    return html`<section part="base" class="report" aria-label=${w.label} aria-busy=${this.phase === 'loading' ? 'true' : 'false'}>
      ${this.phase === 'loading' && !report ? html`<p class="status" role="status">${w.loading}</p>` : nothing}
      ${report
        ? html`<h3 class="title">${w.label} ${report.date}</h3>
            <p class="muted">${report.rep ?? w.team}</p>
            <ul part="headline" class="headline">
              <li>${w.newLeads(report.newLeads.total, report.newLeads.manufacturing)}</li>
              <li>${w.hot(report.highIntent.customers, report.highIntent.avgStalledDays)}</li>
              <li class=${report.pendingTasks.overdue > 0 ? 'flag' : ''}>${w.tasks(report.pendingTasks.total, report.pendingTasks.overdue)}</li>
              <li class=${report.slaBreaches.total > 0 ? 'flag' : ''}>${w.breaches(report.slaBreaches.total)}</li>
              <li class=${report.stalledDeals.total > 0 ? 'flag' : ''}>${w.stalled(report.stalledDeals.total)}</li>
            </ul>
            ${this.renderChart(report)}
            ${report.highIntent.leads.length > 0
              ? html`<h4 class="subtitle">${w.hotList}</h4>
                  <ul class="list">
                    ${report.highIntent.leads.map((lead) => html`<li>${lead.company ?? lead.name ?? lead.leadId} — ${w.score(lead.score, lead.stalledDays)}</li>`)}
                  </ul>`
              : nothing}`
        : nothing}
      ${this.errorMessage ? html`<div part="alert" class="alert error" role="alert">${alertIcon}<span>${this.errorMessage}</span></div>` : nothing}
    </section>`;
  }
}
