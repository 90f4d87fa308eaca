import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { LearningPack, LearningPackInput, PackCompletion } from '@huashu/core';
import { safeHttpUrl } from '../../internal/links.js';
import { baseStyles } from '../../internal/styles.js';
import type { AdminClient } from '../internal/admin-client.js';
import { AdminElement } from '../internal/admin-element.js';
import { adminStyles } from '../internal/admin-styles.js';

type Item = LearningPackInput['items'] extends (infer T)[] | undefined ? T : never;
/** Item kinds a manager adds by hand (`entry` items come from the knowledge base filter). */
const KINDS = ['faq', 'process', 'checklist', 'case'] as const satisfies readonly Item['kind'][];
const KIND_NAMES: Record<(typeof KINDS)[number], [string, string]> = { faq: ['常见问题', 'FAQ'], process: ['流程', 'Process'], checklist: ['清单', 'Checklist'], case: ['案例', 'Case'] };
const DEFAULT_HIRED_WITHIN_DAYS = 90;

interface Editing {
  slug: string;
  input: LearningPackInput & { items: Item[] };
}

const toInput = (pack: LearningPack): Editing['input'] => ({
  name: pack.name,
  ...(pack.description ? { description: pack.description } : {}),
  scenario: { ...(pack.scenario.industry ? { industry: pack.scenario.industry } : {}), ...(pack.scenario.tags.length ? { tags: pack.scenario.tags } : {}) },
  audience: pack.audience,
  // Knowledge-entry items are added by the pack's entry filter when it is read; only hand-made items are edited.
  items: pack.items.filter((item) => item.kind !== 'entry').map((item) => ({ id: item.id, kind: item.kind, title: item.title, ...(item.url ? { url: item.url } : {}) })),
});

/**
 * @summary Learning packs for new hires: scenario (industry, tags), audience (hired within N days), items, and completion per rep.
 *
 * Item links are shown only when they are http(s).
 *
 * @tag huashu-learning-packs
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin (a reviewer sees completion).
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A pack was saved (`pack`).
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart pack - One pack in the list.
 * @csspart editor - The form of the pack being edited.
 * @csspart completion - Completion per rep.
 * @csspart status - Announcements.
 * @csspart alert - An error message.
 */
export class HuashuLearningPacks extends AdminElement {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...AdminElement.properties, packs: { state: true }, editing: { state: true }, completion: { state: true } };

  protected readonly widget = 'learning-packs';
  packs: LearningPack[] = [];
  private editing: Editing | undefined;
  private completion: PackCompletion | undefined;

  protected override async load(api: AdminClient): Promise<void> {
    this.packs = (await api.request<{ packs: LearningPack[] }>('GET', '/v1/learning-packs')).packs;
    const first = this.editing ? this.packs.find((pack) => pack.slug === this.editing!.slug) : this.packs[0];
    if (first) await this.open(first, api);
  }

  private async open(pack: LearningPack, api = this.api): Promise<void> {
    this.editing = { slug: pack.slug, input: toInput(pack) };
    this.completion = api ? await api.request<PackCompletion>('GET', `/v1/learning-packs/${encodeURIComponent(pack.slug)}/completion`).catch(() => undefined) : undefined;
  }

  private edit(change: (input: Editing['input']) => void): void {
    if (!this.editing) return;
    change(this.editing.input);
    this.requestUpdate('editing');
  }

  private async save(): Promise<void> {
    const editing = this.editing;
    if (!editing) return;
    const saved = await this.run((api) => api.request<LearningPack>('PUT', `/v1/learning-packs/${encodeURIComponent(editing.slug)}`, editing.input), {
      what: 'pack',
      notice: this.at('packs.saved', { name: editing.input.name }),
    });
    if (!saved) return;
    const notice = this.notice;
    await this.run((api) => this.load(api));
    this.notice = notice;
  }

  private renderEditor(editing: Editing): TemplateResult {
    const input = editing.input;
    const en = this.i18n.locale === 'en';
    const field = (name: string, label: string, value: string, set: (value: string) => void) => html`<label class="field"><span class="label">${label}</span>
      <input class="control" name=${name} .value=${value} @change=${(e: Event) => this.edit(() => set((e.target as HTMLInputElement).value.trim()))} /></label>`;
    return html`<div part="editor" class="card">
      <div class="row">
        ${field('pack-slug', this.at('packs.slug'), editing.slug, (value) => (editing.slug = value))}
        ${field('pack-name', this.at('packs.name'), input.name, (value) => (input.name = value))}
        ${field('pack-industry', this.at('packs.industry'), input.scenario.industry ?? '', (value) => (input.scenario = { ...input.scenario, industry: value || undefined }))}
        ${field('pack-tags', this.at('packs.tags'), (input.scenario.tags ?? []).join(', '), (value) => (input.scenario = { ...input.scenario, tags: value.split(/[,，\s]+/).filter(Boolean) }))}
        <label class="field narrow"><span class="label">${this.at('packs.hired')}</span>
          <input class="control" name="pack-hired" type="number" min="1" .value=${String(input.audience.hiredWithinDays)} @change=${(e: Event) => this.edit(() => (input.audience = { hiredWithinDays: Number((e.target as HTMLInputElement).value) || DEFAULT_HIRED_WITHIN_DAYS }))} /></label>
      </div>
      <h4>${this.at('packs.items')}</h4>
      ${input.items.map((item, index) => {
        const href = safeHttpUrl(item.url);
        return html`<div class="row" role="group" aria-label=${item.title}>
          <label class="field narrow"><span class="label">${this.at('packs.itemKind')}</span>
            <select class="control" name="item-kind" @change=${(e: Event) => this.edit(() => (item.kind = (e.target as HTMLSelectElement).value as Item['kind']))}>
              ${KINDS.map((kind) => html`<option value=${kind} ?selected=${kind === item.kind}>${KIND_NAMES[kind][en ? 1 : 0]}</option>`)}</select></label>
          ${field('item-title', this.at('packs.itemTitle'), item.title, (value) => (item.title = value))}
          ${field('item-url', this.at('packs.itemUrl'), item.url ?? '', (value) => {
            if (value) item.url = value;
            else delete item.url;
          })}
          ${href ? html`<a class="btn small text" href=${href} target="_blank" rel="noopener noreferrer">${this.at('packs.open')}</a>` : nothing}
          <button class="btn small text" aria-label=${`${this.at('remove')} ${item.title}`} @click=${() => this.edit(() => input.items.splice(index, 1))}>${this.at('remove')}</button>
        </div>`;
      })}
      <div class="row">
        <button class="btn" @click=${() => this.edit(() => input.items.push({ id: `item-${input.items.length + 1}-${Date.now().toString(36)}`, kind: 'faq', title: this.at('packs.itemTitle') }))}>${this.at('packs.addItem')}</button>
        <button class="btn primary" ?disabled=${this.busy} @click=${() => this.save()}>${this.at('packs.save')}</button>
      </div>
    </div>`;
  }

  protected override render(): TemplateResult {
    const completion = this.completion;
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('packs.title')}</h3>
      ${this.renderStatus()}
      <div class="row" role="list">
        ${this.packs.map(
          (pack) => html`<button part="pack" role="listitem" class="btn ${this.editing?.slug === pack.slug ? 'primary' : ''}" aria-pressed=${this.editing?.slug === pack.slug ? 'true' : 'false'} @click=${() => this.open(pack)}>${pack.name}</button>`,
        )}
        <button class="btn text" @click=${() => {
          this.editing = { slug: `pack-${this.packs.length + 1}`, input: { name: this.at('packs.new'), scenario: { tags: [] }, audience: { hiredWithinDays: DEFAULT_HIRED_WITHIN_DAYS }, items: [] } };
          this.completion = undefined;
        }}>${this.at('packs.new')}</button>
      </div>
      ${this.editing ? this.renderEditor(this.editing) : nothing}
      ${completion
        ? html`<h4>${this.at('packs.completion')}</h4>
            ${completion.reps.length === 0
              ? html`<p class="muted">${this.at('packs.noCompletion')}</p>`
              : html`<div class="scroll"><table part="completion">
                  <thead><tr><th scope="col">${this.at('points.rep')}</th><th scope="col">${this.at('packs.completion')}</th></tr></thead>
                  <tbody>${completion.reps.map((rep) => html`<tr><td>${rep.name ?? rep.repId}</td><td>${this.at('packs.done', { done: rep.done, total: rep.total })}</td></tr>`)}</tbody>
                </table></div>`}`
        : nothing}
    </section>`;
  }
}
