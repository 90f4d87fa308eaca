import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { KnowledgeEntry, KnowledgeVariant, ReviewQueue, ReviewRequest } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import type { AdminClient } from '../internal/admin-client.js';
import { AdminElement } from '../internal/admin-element.js';
import { adminStyles } from '../internal/admin-styles.js';

type Decision = ReviewRequest['decision'];

/**
 * @summary The reviewers' desk: pending entries beside their nearest approved look-alikes, learned variants waiting for approval, and the re-verification list.
 *
 * Approve, reject or request changes with a note. Every control is a native
 * button or text field, so the queue works from the keyboard alone; after a
 * decision, focus moves to the next entry's heading.
 *
 * @tag huashu-review-queue
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role reviewer or admin.
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A decision was stored (`what`: `review` or `variant`).
 * @event {{ widget, error }} huashu-admin-error - A request was refused or failed.
 *
 * @csspart base - The wrapper of everything.
 * @csspart item - One pending entry.
 * @csspart similar - The approved look-alikes of an entry.
 * @csspart note - The note field.
 * @csspart variant - A learned variant waiting for approval.
 * @csspart expired - An entry due for re-verification.
 * @csspart status - The announcement after a decision.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Buttons and focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-border-color - Borders. Default `#d1d9e0`.
 * @cssproperty --huashu-spacing - Gaps. Default `12px`.
 */
export class HuashuReviewQueue extends AdminElement {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...AdminElement.properties, queue: { state: true }, variants: { state: true }, notes: { state: true } };

  protected readonly widget = 'review-queue';
  /** The queue shown; undefined before it loads. */
  queue: ReviewQueue | undefined;
  variants: KnowledgeVariant[] = [];
  private notes: Record<string, string> = {};

  protected override async load(api: AdminClient): Promise<void> {
    const [queue, variants] = [
      await api.request<ReviewQueue>('GET', '/v1/knowledge/review-queue?limit=50'),
      await api.request<{ variants: KnowledgeVariant[] }>('GET', '/v1/knowledge/variants?status=pending'),
    ];
    this.queue = queue;
    this.variants = variants.variants;
  }

  private async decide(entry: KnowledgeEntry, decision: Decision, index: number): Promise<void> {
    const note = this.notes[entry.id]?.trim();
    if (decision === 'request_changes' && !note) {
      this.problem = this.at('review.noteNeeded');
      this.renderRoot.querySelector<HTMLTextAreaElement>(`#note-${entry.id}`)?.focus();
      return;
    }
    const done = await this.run((api) => api.request('POST', `/v1/knowledge/${encodeURIComponent(entry.id)}/review`, { decision, ...(note ? { note } : {}) }), {
      what: 'review',
      notice: this.at(`review.done.${decision}`, { question: entry.question }),
    });
    if (done === undefined) return;
    const notice = this.notice;
    await this.run((api) => this.load(api));
    this.notice = notice;
    await this.updateComplete;
    // The next entry now sits where this one was (or the last one, when this was the last).
    const headings = this.renderRoot.querySelectorAll<HTMLElement>('[part~="item"] h4');
    (headings[Math.min(index, headings.length - 1)] ?? this.renderRoot.querySelector<HTMLElement>('h3'))?.focus();
  }

  private async decideVariant(variant: KnowledgeVariant, decision: 'approve' | 'reject'): Promise<void> {
    const done = await this.run((api) => api.request('POST', `/v1/knowledge/variants/${encodeURIComponent(variant.id)}/review`, { decision }), {
      what: 'variant',
      notice: this.at(decision === 'approve' ? 'review.variantApproved' : 'review.variantRejected', { text: variant.text }),
    });
    if (done === undefined) return;
    const notice = this.notice;
    await this.run((api) => this.load(api));
    this.notice = notice;
  }

  private renderItem(item: ReviewQueue['pending'][number], index: number): TemplateResult {
    const { entry } = item;
    const noteId = `note-${entry.id}`;
    return html`<article part="item" class="card" aria-labelledby="q-${entry.id}">
      <h4 id="q-${entry.id}" tabindex="-1">${entry.question}</h4>
      <div class="pair">
        <div>
          <p class="muted">${this.at('review.proposed')}${entry.authorRepId ? ` · ${entry.authorRepId}` : ''}</p>
          <p class="quote">${entry.answer}</p>
          ${entry.tags.length ? html`<p class="muted">${entry.tags.join(' · ')}</p>` : nothing}
          ${item.lastReview?.note ? html`<p class="muted">${this.at('review.lastNote', { note: item.lastReview.note })}</p>` : nothing}
        </div>
        <div part="similar" aria-label=${this.at('review.similar')}>
          <p class="muted">${item.likelyDuplicate ? html`<strong>${this.at('review.likelyDuplicate')}</strong>` : this.at('review.similar')}</p>
          ${item.similar.length === 0
            ? html`<p class="muted">${this.at('review.noSimilar')}</p>`
            : item.similar.map(
                (similar) => html`<div class="card"><strong>${similar.entry.question}</strong><p class="quote">${similar.entry.answer}</p>
                  <span class="muted">${this.at('review.similarity', { value: Math.round(similar.similarity * 100) })}</span></div>`,
              )}
        </div>
      </div>
      <label class="field" for=${noteId}><span class="label">${this.at('review.note')}</span></label>
      <textarea part="note" class="control" id=${noteId} rows="2" .value=${this.notes[entry.id] ?? ''} @input=${(e: Event) => (this.notes = { ...this.notes, [entry.id]: (e.target as HTMLTextAreaElement).value })}></textarea>
      <div class="row" role="group" aria-label=${this.at('review.decide', { question: entry.question })}>
        <button class="btn primary" ?disabled=${this.busy} @click=${() => this.decide(entry, 'approve', index)}>${this.at('review.approve')}</button>
        <button class="btn" ?disabled=${this.busy} @click=${() => this.decide(entry, 'request_changes', index)}>${this.at('review.requestChanges')}</button>
        <button class="btn" ?disabled=${this.busy} @click=${() => this.decide(entry, 'reject', index)}>${this.at('review.reject')}</button>
      </div>
    </article>`;
  }

  protected override render(): TemplateResult {
    const queue = this.queue;
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3 tabindex="-1">${this.at('review.title', { count: queue?.total ?? 0 })}</h3>
      ${this.renderStatus()}
      ${queue && queue.pending.length === 0 ? html`<p class="muted">${this.at('review.empty')}</p>` : nothing}
      ${queue?.pending.map((item, index) => this.renderItem(item, index))}
      <h3>${this.at('review.variants', { count: this.variants.length })}</h3>
      ${this.variants.length === 0 ? html`<p class="muted">${this.at('review.noVariants')}</p>` : nothing}
      ${this.variants.map(
        (variant) => html`<div part="variant" class="card">
          <div class="pair"><div><span class="muted">${this.at('review.customerAsked')}</span><p class="quote">${variant.text}</p></div>
            <div><span class="muted">${this.at('review.entry')}</span><p class="quote">${variant.entryQuestion}</p></div></div>
          <span class="muted">${this.at('review.variantStats', { successes: variant.successes, failures: variant.failures })}</span>
          <div class="row">
            <button class="btn small" ?disabled=${this.busy} @click=${() => this.decideVariant(variant, 'approve')}>${this.at('review.approve')}</button>
            <button class="btn small" ?disabled=${this.busy} @click=${() => this.decideVariant(variant, 'reject')}>${this.at('review.reject')}</button>
          </div>
        </div>`,
      )}
      <h3>${this.at('review.expired', { count: queue?.expiredTotal ?? 0 })}</h3>
      ${queue?.expired.map(
        (entry, index) => html`<div part="expired" class="card">
          <strong>${entry.question}</strong>
          <span class="muted">${this.at('review.verifiedUntil', { date: entry.verifiedUntil?.slice(0, 10) ?? '–' })}</span>
          <div class="row">
            <button class="btn small" ?disabled=${this.busy} @click=${() => this.decide(entry, 'approve', index)}>${this.at('review.reverify')}</button>
            <button class="btn small" ?disabled=${this.busy} @click=${() => this.decide(entry, 'archive', index)}>${this.at('review.archive')}</button>
          </div>
        </div>`,
      )}
    </section>`;
  }
}
