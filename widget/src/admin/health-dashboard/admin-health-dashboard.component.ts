import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { ConsoleLayoutResponse } from '@huashu/core';
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
  static override properties: PropertyDeclarations = { ...HuashuHealthDashboard.properties, layout: { state: true }, layoutNotice: { state: true } };

  /** The manager's metrics in order; every metric until a layout is loaded or saved. */
  layout: HealthMetricKey[] = [...HEALTH_METRICS];
  private layoutNotice = '';
  private layoutClient: { endpoint: string; client: AdminClient } | undefined;
  private layoutLoaded = false;

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
    return html`${this.renderArrange()}${super.render()}`;
  }
}
