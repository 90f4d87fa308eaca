import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { AssignmentRuleInput, LeadPreset } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import type { AdminClient } from '../internal/admin-client.js';
import { AdminElement } from '../internal/admin-element.js';
import { adminStyles } from '../internal/admin-styles.js';

interface SourceView {
  slug: string;
  name: string | null;
  preset: LeadPreset;
  firstResponseSla: string;
  inboundPath: string;
}
type Rule = AssignmentRuleInput & { strategy: 'round-robin' | 'least-loaded' | 'round_robin' | 'least_loaded' };

/** The platform kinds a source starts from (LEAD_PRESETS; listed so the bundle carries no schema code). */
const PRESETS = ['web_form', 'ad_platform', 'call_center', 'trade_show_qr', 'custom'] as const satisfies readonly LeadPreset[];
const PRESET_NAMES: Record<LeadPreset, [string, string]> = {
  web_form: ['官网表单', 'Web form'],
  ad_platform: ['广告平台', 'Ad platform'],
  call_center: ['呼叫中心', 'Call centre'],
  trade_show_qr: ['展会扫码', 'Trade-show QR'],
  custom: ['自定义', 'Custom'],
};
/** `PT15M` → 15: the form asks for minutes, the API takes an ISO duration. */
const slaMinutes = (sla: string) => {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(sla);
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) : 0;
};
const DEFAULT_SLA_MINUTES = 30;
const strategyKey = (strategy: string) => (strategy.replace('-', '_') === 'least_loaded' ? 'least_loaded' : 'round_robin');

/**
 * @summary Lead sources (their webhook secrets shown once), assignment rules and first-response SLAs.
 *
 * A new source or a rotated secret shows its secret once, in a field the
 * manager copies from; it is never shown again.
 *
 * @tag huashu-lead-routing
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin.
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A source was created (`source`), a secret rotated (`rotate`) or the rules saved (`rules`).
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart source - One lead source.
 * @csspart secret - The secret, shown once.
 * @csspart rule - One assignment rule.
 * @csspart status - Announcements.
 * @csspart alert - An error message.
 */
export class HuashuLeadRouting extends AdminElement {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...AdminElement.properties, sources: { state: true }, rules: { state: true }, secret: { state: true }, fresh: { state: true } };

  protected readonly widget = 'lead-routing';
  sources: SourceView[] = [];
  rules: Rule[] = [];
  /** The last secret issued, until the widget is reloaded. */
  private secret: { slug: string; value: string } | undefined;
  private fresh = { slug: '', name: '', preset: 'web_form' as LeadPreset, sla: DEFAULT_SLA_MINUTES };

  protected override async load(api: AdminClient): Promise<void> {
    this.sources = (await api.request<{ sources: SourceView[] }>('GET', '/v1/lead-sources')).sources;
    this.rules = (await api.request<{ rules: Rule[] }>('GET', '/v1/assignment-rules')).rules;
  }

  private async createSource(): Promise<void> {
    const { slug, name, preset, sla } = this.fresh;
    const created = await this.run(
      (api) => api.request<{ source: SourceView; secret: string }>('POST', '/v1/lead-sources', { slug, preset, ...(name ? { name } : {}), firstResponseSla: `PT${sla}M` }),
      { what: 'source', notice: this.at('routing.created', { slug }) },
    );
    if (!created) return;
    this.secret = { slug, value: created.secret };
    this.sources = [...this.sources, created.source];
    this.fresh = { slug: '', name: '', preset: 'web_form', sla: DEFAULT_SLA_MINUTES };
  }

  private async rotate(source: SourceView): Promise<void> {
    const rotated = await this.run((api) => api.request<{ secret: string }>('POST', `/v1/lead-sources/${encodeURIComponent(source.slug)}/rotate-secret`), {
      what: 'rotate',
      notice: this.at('routing.secretOnce', { slug: source.slug }),
    });
    if (rotated) this.secret = { slug: source.slug, value: rotated.secret };
  }

  private async saveRules(): Promise<void> {
    const rules = this.rules.map((rule) => ({ ...rule, strategy: strategyKey(rule.strategy).replace('_', '-') }));
    const saved = await this.run((api) => api.request<{ rules: Rule[] }>('PUT', '/v1/assignment-rules', { rules }), { what: 'rules', notice: this.at('routing.saved') });
    if (saved) this.rules = saved.rules;
  }

  private editRule(rule: Rule, change: () => void): void {
    change();
    this.requestUpdate('rules');
  }

  private renderRule(rule: Rule, index: number): TemplateResult {
    const sources = rule.match?.source;
    return html`<div part="rule" class="card row" role="group" aria-label=${rule.name ?? rule.id}>
      <label class="field"><span class="label">${this.at('routing.ruleName')}</span>
        <input class="control" name="rule-name" .value=${rule.name ?? ''} @change=${(e: Event) => this.editRule(rule, () => (rule.name = (e.target as HTMLInputElement).value.trim() || undefined))} /></label>
      <label class="field"><span class="label">${this.at('routing.match')}</span>
        <input class="control" name="rule-sources" .value=${Array.isArray(sources) ? sources.join(', ') : (sources ?? '')} @change=${(e: Event) => this.editRule(rule, () => {
          const list = (e.target as HTMLInputElement).value.split(/[,，\s]+/).filter(Boolean);
          rule.match = { ...rule.match, source: list.length ? list : undefined };
          if (!list.length) delete rule.match.source;
        })} /></label>
      <label class="field narrow"><span class="label">${this.at('routing.strategy')}</span>
        <select class="control" name="rule-strategy" @change=${(e: Event) => this.editRule(rule, () => (rule.strategy = (e.target as HTMLSelectElement).value as Rule['strategy']))}>
          ${(['round_robin', 'least_loaded'] as const).map((key) => html`<option value=${key} ?selected=${strategyKey(rule.strategy) === key}>${this.at(`routing.${key}`)}</option>`)}
        </select></label>
      <label class="field"><span class="label">${this.at('routing.reps')}</span>
        <input class="control" name="rule-reps" .value=${rule.reps.map((rep) => (rep.name ? `${rep.id}:${rep.name}` : rep.id)).join(', ')} @change=${(e: Event) => this.editRule(rule, () => {
          rule.reps = (e.target as HTMLInputElement).value.split(/[,，]+/).map((part) => part.trim()).filter(Boolean).map((part) => {
            const [id, name] = part.split(/[:：]/);
            return { id: id!.trim(), ...(name?.trim() ? { name: name.trim() } : {}) };
          });
        })} /></label>
      <label class="field narrow"><span class="label">${this.at('routing.capacity')}</span>
        <input class="control" name="rule-capacity" type="number" min="0" .value=${rule.dailyCapacity === undefined ? '' : String(rule.dailyCapacity)} @change=${(e: Event) => this.editRule(rule, () => {
          const value = (e.target as HTMLInputElement).value;
          if (value === '') delete rule.dailyCapacity;
          else rule.dailyCapacity = Number(value);
        })} /></label>
      <button class="btn small text" aria-label=${`${this.at('remove')} ${rule.name ?? rule.id}`} @click=${() => this.editRule(rule, () => this.rules.splice(index, 1))}>${this.at('remove')}</button>
    </div>`;
  }

  protected override render(): TemplateResult {
    const en = this.i18n.locale === 'en';
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('routing.sources')}</h3>
      ${this.renderStatus()}
      ${this.secret
        ? html`<div part="secret" class="card"><span>${this.at('routing.secretOnce', { slug: this.secret.slug })}</span>
            <input class="control secret" readonly aria-label=${this.at('routing.secretOnce', { slug: this.secret.slug })} .value=${this.secret.value} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} /></div>`
        : nothing}
      ${this.sources.length === 0 ? html`<p class="muted">${this.at('routing.noSources')}</p>` : nothing}
      <div class="scroll"><table>
        <thead><tr><th scope="col">${this.at('routing.slug')}</th><th scope="col">${this.at('routing.name')}</th><th scope="col">${this.at('routing.preset')}</th><th scope="col">${this.at('routing.sla')}</th><th scope="col">${this.at('routing.inbound')}</th><th scope="col"><span class="visually-hidden">${this.at('rules.actions')}</span></th></tr></thead>
        <tbody>${this.sources.map(
          (source) => html`<tr part="source"><td>${source.slug}</td><td>${source.name ?? ''}</td><td>${PRESET_NAMES[source.preset]?.[en ? 1 : 0] ?? source.preset}</td>
            <td>${slaMinutes(source.firstResponseSla)} min</td><td class="secret">${source.inboundPath}</td>
            <td><button class="btn small" ?disabled=${this.busy} aria-label=${`${this.at('routing.rotate')} ${source.slug}`} @click=${() => this.rotate(source)}>${this.at('routing.rotate')}</button></td></tr>`,
        )}</tbody>
      </table></div>
      <div class="row">
        <label class="field"><span class="label">${this.at('routing.slug')}</span><input class="control" name="source-slug" placeholder="douyin-ads" .value=${this.fresh.slug} @input=${(e: Event) => (this.fresh = { ...this.fresh, slug: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label class="field"><span class="label">${this.at('routing.name')}</span><input class="control" name="source-name" .value=${this.fresh.name} @input=${(e: Event) => (this.fresh = { ...this.fresh, name: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label class="field narrow"><span class="label">${this.at('routing.preset')}</span>
          <select class="control" name="source-preset" @change=${(e: Event) => (this.fresh = { ...this.fresh, preset: (e.target as HTMLSelectElement).value as LeadPreset })}>
            ${PRESETS.map((preset) => html`<option value=${preset} ?selected=${preset === this.fresh.preset}>${PRESET_NAMES[preset][en ? 1 : 0]}</option>`)}
          </select></label>
        <label class="field narrow"><span class="label">${this.at('routing.sla')} (min)</span><input class="control" name="source-sla" type="number" min="1" .value=${String(this.fresh.sla)} @input=${(e: Event) => (this.fresh = { ...this.fresh, sla: Number((e.target as HTMLInputElement).value) || DEFAULT_SLA_MINUTES })} /></label>
        <button class="btn" ?disabled=${this.busy || !this.fresh.slug} @click=${() => this.createSource()}>${this.at('routing.addSource')}</button>
      </div>
      <h3>${this.at('routing.rules')}</h3>
      ${this.rules.map((rule, index) => this.renderRule(rule, index))}
      <div class="row">
        <button class="btn" @click=${() => {
          this.rules = [...this.rules, { id: `rule-${this.rules.length + 1}`, match: {}, strategy: 'round-robin', reps: [] }];
        }}>${this.at('routing.addRule')}</button>
        <button class="btn primary" ?disabled=${this.busy} @click=${() => this.saveRules()}>${this.at('routing.saveRules')}</button>
      </div>
    </section>`;
  }
}
