import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { HuashuApiError, type KnowledgeOpsClient, type LearningPack, type PackItemView, type PackScenario } from '@huashu/sdk/assistant';
import { KnowledgeOpsClientCache, notConfigured } from '../../internal/clients.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import { alertIcon, checkIcon, linkIcon } from '../../internal/icons.js';
import { safeHttpUrl } from '../../internal/links.js';
import { baseStyles } from '../../internal/styles.js';
import { learningPackStyles } from './learning-pack.styles.js';

/** What the pack needs of a client; `createKnowledgeOpsClient()` from `@huashu/sdk/assistant` fits. */
export type LearningPackWidgetClient = Pick<KnowledgeOpsClient, 'nextLearningPack' | 'deliveredLearningPacks' | 'setPackProgress'>;

type Phase = 'idle' | 'loading' | 'ready' | 'none' | 'failed';

/**
 * @summary The scenario learning pack for the lead a new hire is working on: its items with their kind, done marks and progress.
 *
 * The first time the rep meets the lead's scenario (their first hospital-IT
 * customer) the server delivers the pack and the widget marks it as new;
 * afterwards it shows the same pack with the rep's progress.
 *
 * @tag huashu-learning-pack
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend; it carries the rep's hire date, which decides whether packs apply.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} lead-id - The lead being worked on: its industry is the scenario.
 * @attr {string} industry - The scenario's industry, when there is no lead id (or to override the lead's).
 * @attr {string} tags - Comma-separated scenario tags.
 *
 * @event {{ pack: LearningPack, firstDelivery: boolean }} huashu-pack-delivered - A pack is shown; `firstDelivery` when the rep met its scenario just now.
 * @event {{ slug: string, itemId: string, done: boolean, progress: { done: number, total: number } }} huashu-pack-progress - The rep marked an item done or not done.
 * @event {{ error: HuashuApiError }} huashu-pack-error - The pack could not be loaded or progress was not saved.
 *
 * @csspart base - The wrapper of everything.
 * @csspart header - The pack's name, badge and description.
 * @csspart title - The pack's name.
 * @csspart badge - The "new scenario" badge of a pack delivered just now.
 * @csspart description - The pack's description.
 * @csspart progress - The progress text and bar.
 * @csspart progress-bar - The bar itself (`role="progressbar"`).
 * @csspart list - The list of items.
 * @csspart item - One item.
 * @csspart checkbox - An item's done mark.
 * @csspart kind - An item's kind (常见问题, 流程, 清单, 案例, 话术).
 * @csspart item-title - An item's title.
 * @csspart link - An item's link (only for http(s) URLs).
 * @csspart empty - The message when no pack applies.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Brand colour of the bar, the badge and focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-accent-contrast - Text colour on the accent. Default `#ffffff`.
 * @cssproperty --huashu-font-family - Font; inherited from the page when unset.
 * @cssproperty --huashu-font-size - Base font size. Default `14px`.
 * @cssproperty --huashu-radius - Corner radius. Default `8px`.
 * @cssproperty --huashu-text-color - Text colour. Default `#1f2328`.
 * @cssproperty --huashu-muted-color - Secondary text colour. Default `#59636e`.
 * @cssproperty --huashu-border-color - Borders. Default `#d1d9e0`.
 * @cssproperty --huashu-surface - Item background. Default `#ffffff`.
 * @cssproperty --huashu-surface-alt - Background of done items and the bar's track. Default `#f6f8fa`.
 * @cssproperty --huashu-danger - Error colour. Default `#cf222e`.
 * @cssproperty --huashu-success - Colour of done marks. Default `#1a7f37`.
 * @cssproperty --huashu-spacing - Gap between items. Default `12px`.
 */
export class HuashuLearningPack extends HuashuElement {
  static override styles = [baseStyles, learningPackStyles];

  static override properties: PropertyDeclarations = {
    token: { type: String },
    leadId: { type: String, attribute: 'lead-id' },
    industry: { type: String },
    tags: { type: String },
    client: { attribute: false },
    pack: { state: true },
    phase: { state: true },
    fresh: { state: true },
    saving: { state: true },
    errorMessage: { state: true },
  };

  /** A rep token minted by the CRM's backend. */
  token = '';
  /** The lead being worked on; its industry is the scenario. */
  leadId = '';
  /** The scenario's industry, when there is no lead id. */
  industry = '';
  /** Comma-separated scenario tags. */
  tags = '';
  /** A client (`createKnowledgeOpsClient(...)` from `@huashu/sdk/assistant`) to use instead of one made from `endpoint` and `token`. */
  client: LearningPackWidgetClient | undefined;

  /** The pack shown, with the rep's progress; undefined before it loads or when none applies. */
  pack: LearningPack | undefined;
  private phase: Phase = 'idle';
  private fresh = false;
  private saving = new Set<string>();
  private errorMessage = '';
  private readonly clients = new KnowledgeOpsClientCache();
  /** Each load gets a number; an answer to an older one (the lead changed meanwhile) is dropped. */
  private loadSerial = 0;

  private resolveClient(): LearningPackWidgetClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    return this.clients.get(this.endpoint, () => this.token);
  }

  private scenario(): PackScenario | undefined {
    const tags = this.tags.split(',').map((tag) => tag.trim()).filter(Boolean);
    const scenario: PackScenario = {
      ...(this.leadId ? { leadId: this.leadId } : {}),
      ...(this.industry ? { industry: this.industry } : {}),
      ...(tags.length ? { tags } : {}),
    };
    return Object.keys(scenario).length > 0 ? scenario : undefined;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // A changed token alone is a re-minted credential for the same rep: nothing to reload.
    const inputs = ['endpoint', 'leadId', 'industry', 'tags', 'client'] as const;
    if (inputs.some((name) => changed.has(name)) || (this.phase === 'idle' && changed.has('token'))) void this.load();
  }

  /** Loads the pack for the current scenario again (e.g. after the CRM switched leads without changing attributes). */
  async reload(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<void> {
    const client = this.resolveClient();
    const scenario = this.scenario();
    if (!client || !scenario) {
      this.phase = 'idle';
      this.pack = undefined;
      if (!client && scenario && (this.endpoint || this.token)) this.fail(notConfigured('token'), this.t('common.notConfigured', { credential: 'token' }));
      return;
    }
    const serial = ++this.loadSerial;
    this.phase = 'loading';
    this.errorMessage = '';
    try {
      const next = await client.nextLearningPack(scenario);
      let pack = next.pack;
      const firstDelivery = pack !== null;
      if (!pack) pack = (await client.deliveredLearningPacks(scenario)).packs[0] ?? null;
      if (serial !== this.loadSerial) return;
      this.pack = pack ?? undefined;
      this.fresh = firstDelivery;
      this.phase = pack ? 'ready' : 'none';
      if (pack) emit(this, 'huashu-pack-delivered', { pack, firstDelivery });
    } catch (thrown) {
      if (serial !== this.loadSerial) return;
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.phase = 'failed';
      this.fail(error, this.describeError(error));
    }
  }

  private fail(error: HuashuApiError, message: string): void {
    this.errorMessage = message;
    emit(this, 'huashu-pack-error', { error });
  }

  private async toggle(item: PackItemView, done: boolean): Promise<void> {
    const client = this.resolveClient();
    const pack = this.pack;
    if (!client || !pack || this.saving.has(item.id)) return;
    // Shown at once; put back if the server does not keep it.
    const mark = (value: boolean) => {
      const items = this.pack!.items.map((entry) => (entry.id === item.id ? { ...entry, done: value } : entry));
      this.pack = { ...this.pack!, items, progress: { done: items.filter((entry) => entry.done).length, total: items.length } };
    };
    mark(done);
    this.saving = new Set([...this.saving, item.id]);
    this.errorMessage = '';
    try {
      const updated = await client.setPackProgress(pack.slug, item.id, done);
      if (this.pack?.slug === updated.slug) this.pack = updated;
      emit(this, 'huashu-pack-progress', { slug: updated.slug, itemId: item.id, done, progress: updated.progress });
    } catch (thrown) {
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      if (this.pack?.slug === pack.slug) mark(!done);
      this.fail(error, error.code === 'network_error' ? this.t('common.network') : this.t('pack.saveFailed'));
    } finally {
      const saving = new Set(this.saving);
      saving.delete(item.id);
      this.saving = saving;
    }
  }

  private renderItem(item: PackItemView): TemplateResult {
    const href = safeHttpUrl(item.url);
    const inputId = `item-${item.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    return html`<li part="item" class="item ${item.done ? 'done' : ''}">
      <input
        part="checkbox"
        class="check"
        type="checkbox"
        id=${inputId}
        .checked=${item.done}
        ?disabled=${this.saving.has(item.id)}
        @change=${(event: Event) => this.toggle(item, (event.target as HTMLInputElement).checked)}
      />
      <label class="item-body" for=${inputId}>
        <span part="kind" class="kind kind-${item.kind}">${this.t(`pack.kind.${item.kind}`)}</span>
        <span part="item-title" class="item-title">${item.title}</span>
      </label>
      ${href
        ? html`<a part="link" class="link" href=${href} target="_blank" rel="noopener noreferrer"
            >${this.t('pack.open')}${linkIcon}<span class="visually-hidden">${item.title} ${this.t('pack.newWindow')}</span></a
          >`
        : nothing}
    </li>`;
  }

  private renderPack(pack: LearningPack): TemplateResult {
    const { done, total } = pack.progress;
    const percent = total > 0 ? Math.round((done / total) * 100) : 0;
    const complete = total > 0 && done === total;
    return html`<section part="base" class="pack" aria-label=${this.t('pack.label')}>
      <header part="header" class="header">
        <div class="title-row">
          <h3 part="title" class="title">${pack.name}</h3>
          ${this.fresh ? html`<span part="badge" class="badge">${this.t('pack.new')}</span>` : nothing}
        </div>
        ${this.fresh ? html`<p class="fresh-detail">${this.t('pack.newDetail')}</p>` : nothing}
        ${pack.description ? html`<p part="description" class="description">${pack.description}</p>` : nothing}
      </header>
      <div part="progress" class="progress">
        <span class="progress-text">${complete ? html`${checkIcon}${this.t('pack.complete')}` : this.t('pack.progress', { done, total })}</span>
        <div
          part="progress-bar"
          class="bar"
          role="progressbar"
          aria-label=${this.t('pack.label')}
          aria-valuemin="0"
          aria-valuemax=${total}
          aria-valuenow=${done}
          aria-valuetext=${this.t('pack.progress', { done, total })}
        >
          <div class="fill" style="width: ${percent}%"></div>
        </div>
      </div>
      <ul part="list" class="list">
        ${repeat(pack.items, (item) => item.id, (item) => this.renderItem(item))}
      </ul>
      ${this.renderAlert()}
    </section>`;
  }

  private renderAlert(): TemplateResult | typeof nothing {
    return this.errorMessage ? html`<div part="alert" class="alert error" role="alert">${alertIcon}<span>${this.errorMessage}</span></div>` : nothing;
  }

  protected override render(): TemplateResult {
    if (this.pack && (this.phase === 'ready' || this.phase === 'loading')) return this.renderPack(this.pack);
    return html`<div part="base" class="pack" aria-busy=${this.phase === 'loading' ? 'true' : 'false'}>
      ${this.phase === 'loading' ? html`<p class="status" role="status">${this.t('pack.loading')}</p>` : nothing}
      ${this.phase === 'none' ? html`<p part="empty" class="empty">${this.t('pack.none')}</p>` : nothing} ${this.renderAlert()}
    </div>`;
  }
}
