import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { ConsoleLayoutResponse, HealthSettings, RuleVersion, RuleVersionList } from '@huashu/core';
import { HuashuHealthDashboard, HEALTH_METRICS, type HealthMetricKey } from '../../components/health-dashboard/health-dashboard.component.js';
import { checkIcon } from '../../internal/icons.js';
import { createAdminClient, type AdminClient } from '../internal/admin-client.js';
import { adminEmit } from '../internal/admin-element.js';
import { adminTranslate, type AdminKey } from '../internal/admin-i18n.js';
import { adminStyles } from '../internal/admin-styles.js';

const WIDGET = 'health-dashboard';
const isMetric = (value: string): value is HealthMetricKey => (HEALTH_METRICS as readonly string[]).includes(value);

/**
 * @summary The health dashboard with a layout the manager arranges: which metrics, in which order, saved per manager.
 *
 * The rep bundle's `<huashu-health-dashboard>` with an "arrange" panel: tick
 * the metrics to show, move them up or down, save. The layout is stored for
 * the manager the token names (`PUT /v1/console/layouts/health-dashboard`)
 * and applied whenever that manager opens the console.
 *
 * @tag huashu-health-dashboard
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role reviewer or admin.
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - The layout was saved (`what`: `layout`).
 *
 * @csspart arrange - The panel that chooses and orders the metrics.
 */
export class HuashuAdminHealthDashboard extends HuashuHealthDashboard {
  static override styles = [...HuashuHealthDashboard.styles, adminStyles];
  static override properties: PropertyDeclarations = { ...HuashuHealthDashboard.properties, layout: { state: true }, layoutNotice: { state: true }, settings: { state: true } };

  /** The manager's metrics in order; every metric until a layout is loaded or saved. */
  layout: HealthMetricKey[] = [...HEALTH_METRICS];
  private layoutNotice = '';
  private layoutClient: { endpoint: string; client: AdminClient } | undefined;
  private layoutLoaded = false;
  /** The tenant's thresholds and trust weights (a versioned rule set, `health-settings`); undefined until read. */
  private settings: HealthSettings | undefined;

  private at(key: AdminKey, params?: Record<string, string | number>): string {
    return adminTranslate(this.i18n.locale, key, params);
  }

  private get admin(): AdminClient | undefined {
    if (!this.endpoint || !this.token) return undefined;
    if (this.layoutClient?.endpoint !== this.endpoint) this.layoutClient = { endpoint: this.endpoint, client: createAdminClient(this.endpoint, () => this.token) };
    return this.layoutClient.client;
  }

  protected override shownMetrics(): readonly HealthMetricKey[] {
    return this.layout;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const admin = this.admin;
    if (admin && !this.layoutLoaded) {
      this.layoutLoaded = true;
      void admin
        .request<ConsoleLayoutResponse>('GET', `/v1/console/layouts/${WIDGET}`)
        .then((saved) => {
          const items = saved.layout?.items.filter(isMetric);
          if (items) this.layout = items;
        })
        // A secret-key client or an older server has no layouts: the default layout stays.
        .catch(() => undefined);
      void admin
        .request<RuleVersionList>('GET', '/v1/console/rule-sets/health-settings/versions')
        .then((list) => (this.settings = structuredClone(list.live) as HealthSettings))
        .catch(() => undefined);
    }
  }

  private toggle(key: HealthMetricKey, shown: boolean): void {
    this.layout = shown ? [...this.layout, key] : this.layout.filter((metric) => metric !== key);
  }

  private move(key: HealthMetricKey, delta: number): void {
    const layout = [...this.layout];
    const from = layout.indexOf(key);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= layout.length) return;
    layout.splice(to, 0, ...layout.splice(from, 1));
    this.layout = layout;
  }

  private async saveLayout(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    try {
      const result = await admin.request<ConsoleLayoutResponse>('PUT', `/v1/console/layouts/${WIDGET}`, { items: this.layout });
      this.layoutNotice = this.at('dashboard.saved');
      adminEmit(this, 'huashu-admin-saved', { widget: WIDGET, what: 'layout', result });
    } catch (error) {
      this.layoutNotice = '';
      adminEmit(this, 'huashu-admin-error', { widget: WIDGET, error: error as never });
    }
  }

  /** Thresholds and trust weights go through the console like every rule set: a draft, published to everyone, in the audit log. */
  private async publishSettings(): Promise<void> {
    const admin = this.admin;
    const settings = this.settings;
    if (!admin || !settings) return;
    try {
      const draft = await admin.request<RuleVersion>('POST', '/v1/console/rule-sets/health-settings/versions', { content: settings });
      const result = await admin.request<RuleVersion>('POST', `/v1/console/rule-sets/health-settings/versions/${draft.version}/publish`);
      this.layoutNotice = this.at('rules.published', { version: draft.version });
      adminEmit(this, 'huashu-admin-saved', { widget: WIDGET, what: 'publish', result });
      await this.reload();
    } catch (error) {
      this.layoutNotice = String((error as Error).message);
      adminEmit(this, 'huashu-admin-error', { widget: WIDGET, error: error as never });
    }
  }

  private renderSettings(settings: HealthSettings): TemplateResult {
    const number = (label: string, value: number, set: (value: number) => void, max: number) => html`<label class="field narrow"><span class="label">${label}</span>
      <input class="control" type="number" min="0" max=${max} step="0.05" .value=${String(value)} @change=${(e: Event) => set(Number((e.target as HTMLInputElement).value))} /></label>`;
    const { thresholds, trustWeights } = settings;
    return html`<details part="settings" class="card">
      <summary>${this.at('dashboard.settings')}</summary>
      <div class="row">
        ${HEALTH_METRICS.map((key) => number(`${this.t(`health.metric.${key}`)} ≥`, thresholds[key], (value) => (thresholds[key] = value), key === 'customerTrust' ? 10 : 1))}
      </div>
      <div class="row">
        ${number(this.at('dashboard.weightDocuments'), trustWeights.documents, (value) => (trustWeights.documents = value), 1)}
        ${number(this.at('dashboard.weightReplies'), trustWeights.offHoursReplies, (value) => (trustWeights.offHoursReplies = value), 1)}
        ${number(this.at('dashboard.weightInitiated'), trustWeights.customerInitiated, (value) => (trustWeights.customerInitiated = value), 1)}
      </div>
      <button class="btn" name="publish-settings" @click=${() => this.publishSettings()}>${this.at('rules.publishAll')}</button>
    </details>`;
  }

  private renderArrange(): TemplateResult {
    // Shown ones first, in their order, then the hidden ones.
    const order = [...this.layout, ...HEALTH_METRICS.filter((key) => !this.layout.includes(key))];
    return html`<details part="arrange" class="card">
      <summary>${this.at('dashboard.arrange')}</summary>
      <ul style="list-style:none;margin:0;padding:0" class="admin">
        ${order.map((key) => {
          const name = this.t(`health.metric.${key}`);
          const shown = this.layout.includes(key);
          const index = this.layout.indexOf(key);
          return html`<li class="row">
            <label class="row"><input type="checkbox" name="metric" value=${key} .checked=${shown} @change=${(e: Event) => this.toggle(key, (e.target as HTMLInputElement).checked)} />${name}</label>
            ${shown
              ? html`<button class="btn small" ?disabled=${index === 0} aria-label=${`↑ ${name}`} @click=${() => this.move(key, -1)}>↑</button>
                  <button class="btn small" ?disabled=${index === this.layout.length - 1} aria-label=${`↓ ${name}`} @click=${() => this.move(key, 1)}>↓</button>`
              : nothing}
          </li>`;
        })}
      </ul>
      <div class="row"><button class="btn primary" name="save-layout" @click=${() => this.saveLayout()}>${this.at('dashboard.saveLayout')}</button>
        <p class="status" role="status">${this.layoutNotice ? html`${checkIcon}<span>${this.layoutNotice}</span>` : nothing}</p></div>
    </details>`;
  }

  protected override render(): TemplateResult {
    return html`${this.renderArrange()}${this.settings ? this.renderSettings(this.settings) : nothing}${super.render()}`;
  }
}
