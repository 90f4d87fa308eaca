import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { HuashuApiError } from '@huashu/sdk';
import type { HealthMetrics, HealthResponse } from '@huashu/core';
import { notConfigured } from '../../internal/clients.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import { alertIcon, checkIcon } from '../../internal/icons.js';
import { PipelineClientCache, type PipelineReadClient } from '../../internal/pipeline-client.js';
import { baseStyles } from '../../internal/styles.js';
import { healthDashboardStyles } from './health-dashboard.styles.js';

/** What the dashboard needs of a client. */
export type HealthDashboardClient = Pick<PipelineReadClient, 'health'>;

export const HEALTH_METRICS = ['leadNurturing', 'progressCompliance', 'customerTrust'] as const;
export type HealthMetricKey = (typeof HEALTH_METRICS)[number];
type MetricKey = HealthMetricKey;

type Phase = 'idle' | 'loading' | 'ready' | 'failed';

const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;

/**
 * @summary Process health per rep and team: 线索培育有效性, 商机推进合规率 and 客户信任指数, each against its threshold.
 *
 * Each value is marked healthy or below threshold in words as well as
 * colour; the trust index shows its three components.
 *
 * @tag huashu-health-dashboard
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend; a rep's token shows only that rep, a reviewer's or admin's everyone.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} team - Only this team.
 * @attr {string} rep - Only this rep.
 * @attr {string} since - Start of the period (`YYYY-MM-DD`, Beijing time); default four weeks before `until`.
 * @attr {string} until - End of the period (exclusive); default now.
 *
 * @event {{ report: HealthResponse }} huashu-health-loaded - The dashboard shows this report.
 * @event {{ error: HuashuApiError }} huashu-health-error - The report could not be loaded.
 *
 * @csspart base - The wrapper of everything.
 * @csspart period - The period the figures cover.
 * @csspart table - A table of reps or of teams.
 * @csspart value - One metric's value.
 * @csspart verdict - Healthy, below threshold or no data, in words; also `verdict-healthy`, `verdict-unhealthy`, `verdict-none`.
 * @csspart detail - The figures behind a value.
 * @csspart empty - The message when there are no deals yet.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-font-family - Font; inherited from the page when unset.
 * @cssproperty --huashu-font-size - Base font size. Default `14px`.
 * @cssproperty --huashu-radius - Corner radius. Default `8px`.
 * @cssproperty --huashu-text-color - Text colour. Default `#1f2328`.
 * @cssproperty --huashu-muted-color - Secondary text colour. Default `#59636e`.
 * @cssproperty --huashu-border-color - Borders. Default `#d1d9e0`.
 * @cssproperty --huashu-danger - Below-threshold and error colour. Default `#cf222e`.
 * @cssproperty --huashu-success - Healthy colour. Default `#1a7f37`.
 * @cssproperty --huashu-spacing - Gaps. Default `12px`.
 */
export class HuashuHealthDashboard extends HuashuElement {
  static override styles = [baseStyles, healthDashboardStyles];

  static override properties: PropertyDeclarations = {
    token: { type: String },
    team: { type: String },
    rep: { type: String },
    since: { type: String },
    until: { type: String },
    client: { attribute: false },
    report: { state: true },
    phase: { state: true },
    errorMessage: { state: true },
  };

  /** A rep token minted by the CRM's backend. */
  token = '';
  /** Only this team. */
  team = '';
  /** Only this rep. */
  rep = '';
  /** Start of the period. */
  since = '';
  /** End of the period (exclusive). */
  until = '';
  /** A client to use instead of one made from `endpoint` and `token`. */
  client: HealthDashboardClient | undefined;

  /** The report shown; undefined before it loads. */
  report: HealthResponse | undefined;
  private phase: Phase = 'idle';
  private errorMessage = '';
  private readonly clients = new PipelineClientCache();
  private loadSerial = 0;

  private resolveClient(): HealthDashboardClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    return this.clients.get(this.endpoint, () => this.token);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const inputs = ['endpoint', 'team', 'rep', 'since', 'until', 'client'] as const;
    if (inputs.some((name) => changed.has(name)) || (this.phase === 'idle' && changed.has('token'))) void this.load();
  }

  /** Loads the report again. */
  async reload(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<void> {
    const client = this.resolveClient();
    if (!client) {
      if (this.endpoint || this.token) this.fail(notConfigured('token'), this.t('common.notConfigured', { credential: 'token' }));
      return;
    }
    const serial = ++this.loadSerial;
    this.phase = 'loading';
    this.errorMessage = '';
    const query = Object.fromEntries(Object.entries({ team: this.team, rep: this.rep, from: this.since, to: this.until }).filter(([, value]) => value));
    try {
      const report = await client.health(query);
      if (serial !== this.loadSerial) return;
      this.report = report;
      this.phase = 'ready';
      emit(this, 'huashu-health-loaded', { report });
    } catch (thrown) {
      if (serial !== this.loadSerial) return;
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.phase = 'failed';
      this.fail(error, this.describeError(error));
    }
  }

  private fail(error: HuashuApiError, message: string): void {
    this.errorMessage = message;
    emit(this, 'huashu-health-error', { error });
  }

  /** The metric columns, in order (the console's dashboard lets a manager choose them). */
  protected shownMetrics(): readonly MetricKey[] {
    return HEALTH_METRICS;
  }

  private threshold(key: MetricKey, report: HealthResponse): string {
    const value = report.settings.thresholds[key];
    return this.t('health.threshold', { value: key === 'customerTrust' ? String(value) : percent(value) });
  }

  private renderMetric(key: MetricKey, metrics: HealthMetrics): TemplateResult {
    const metric = metrics[key];
    const verdict = metric.healthy === null ? 'none' : metric.healthy ? 'healthy' : 'unhealthy';
    const shown = metric.value === null ? '–' : key === 'customerTrust' ? metric.value.toFixed(2) : percent(metric.value);
    let detail = '';
    if ('numerator' in metric) detail = this.t('health.ratioDetail', { numerator: metric.numerator, denominator: metric.denominator });
    else {
      const { documentsPerWeek, offHoursReplyRate, customerInitiated } = metrics.customerTrust.components;
      const share = (value: number | null) => (value === null ? '–' : percent(value));
      detail = this.t('health.trustDetail', { documents: documentsPerWeek.value ?? '–', reply: share(offHoursReplyRate.value), initiated: share(customerInitiated.value) });
    }
    return html`<td class="metric ${verdict}">
      <span part="value" class="value">${shown}</span>
      <span part="verdict verdict-${verdict}" class="verdict">${verdict === 'healthy' ? checkIcon : verdict === 'unhealthy' ? alertIcon : nothing}${this.t(
        verdict === 'healthy' ? 'health.healthy' : verdict === 'unhealthy' ? 'health.unhealthy' : 'health.noData',
      )}</span>
      <span part="detail" class="detail">${detail}</span>
    </td>`;
  }

  private renderTable(kind: 'rep' | 'team', rows: Array<{ name: string; metrics: HealthMetrics }>, report: HealthResponse): TemplateResult {
    return html`<div class="scroll"><table part="table" class="table">
      <caption class="visually-hidden">${this.t(kind === 'rep' ? 'health.label' : 'health.teams')}</caption>
      <thead>
        <tr>
          <th scope="col">${this.t(kind === 'rep' ? 'health.rep' : 'health.team')}</th>
          ${this.shownMetrics().map((key) => html`<th scope="col">${this.t(`health.metric.${key}`)}<span class="threshold">${this.threshold(key, report)}</span></th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map((row) => html`<tr><th scope="row">${row.name}</th>${this.shownMetrics().map((key) => this.renderMetric(key, row.metrics))}</tr>`)}
      </tbody>
    </table></div>`;
  }

  protected override render(): TemplateResult {
    const report = this.report;
    const unassigned = this.t('health.unassigned');
    const day = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
    return html`<section part="base" class="health" aria-label=${this.t('health.label')} aria-busy=${this.phase === 'loading' ? 'true' : 'false'}>
      ${this.phase === 'loading' && !report ? html`<p class="status" role="status">${this.t('health.loading')}</p>` : nothing}
      ${report
        ? html`<p part="period" class="period">${this.t('health.period', { from: day(report.from), to: day(new Date(Date.parse(report.to) - 1).toISOString()) })}</p>
            ${report.reps.length === 0
              ? html`<p part="empty" class="empty">${this.t('health.empty')}</p>`
              : html`${this.renderTable(
                  'rep',
                  report.reps.map((row) => ({ name: row.team ? `${row.rep ?? unassigned} · ${row.team}` : (row.rep ?? unassigned), metrics: row.metrics })),
                  report,
                )}
                ${report.teams.length > 1 || this.team
                  ? html`<h4 class="subtitle">${this.t('health.teams')}</h4>
                      ${this.renderTable('team', report.teams.map((row) => ({ name: row.team ?? unassigned, metrics: row.metrics })), report)}`
                  : nothing}`}`
        : nothing}
      ${this.errorMessage ? html`<div part="alert" class="alert error" role="alert">${alertIcon}<span>${this.errorMessage}</span></div>` : nothing}
    </section>`;
  }
}
