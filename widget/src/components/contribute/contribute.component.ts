import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { HuashuApiError, type AssistantClient, type FieldIssue, type KnowledgeEntry, type KnowledgeEntryInput, type KnowledgeOpsClient } from '@huashu/sdk/assistant';
import type { EvidenceKind } from '@huashu/core';
import { AssistantClientCache, KnowledgeOpsClientCache, notConfigured } from '../../internal/clients.js';
import { EVIDENCE_KINDS } from '../../internal/evidence.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import type { MessageKey } from '../../internal/i18n.js';
import { alertIcon, checkIcon, plusIcon, removeIcon } from '../../internal/icons.js';
import { baseStyles, formFooterStyles } from '../../internal/styles.js';
import { contributeStyles } from './contribute.styles.js';

/**
 * What the form needs of a client; `createAssistantClient()` from `@huashu/sdk/assistant` fits.
 * With `myPoints` as well (`createKnowledgeOpsClient()`), the form shows what an entry earns and the rep's balance.
 */
export type ContributeWidgetClient = Pick<AssistantClient, 'contribute'> & Partial<Pick<KnowledgeOpsClient, 'myPoints'>>;

/** What the form says about points: the rep's balance and what the tenant pays. */
interface PointsView {
  balance: number;
  approved: number;
  success: number;
}

interface EvidenceRow {
  /** Stable identity for rendering and for errors, independent of the row's position. */
  id: number;
  kind: EvidenceKind;
  title: string;
  url: string;
}

type EvidenceField = 'kind' | 'title' | 'url';
/** `question`, `answer`, `evidence`, or `<row id>.<field>` for one row. */
type ErrorKey = 'question' | 'answer' | 'evidence' | `${number}.${EvidenceField}`;

/** The server's limit on evidence per entry (`Evidence` array max in @huashu/core). */
const MAX_EVIDENCE = 20;

const ISSUE_MESSAGES: Record<EvidenceField, MessageKey> = {
  kind: 'contribute.error.evidenceKind',
  title: 'contribute.error.evidenceTitle',
  url: 'contribute.error.evidenceUrl',
};

/**
 * @summary A form for reps to contribute a knowledge entry — the customer's words, the answer script and its evidence — for review.
 *
 * @tag huashu-contribute
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend; the entry is attributed to that rep and starts in review.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} question - The customer's words to start with (also settable with `prefill()`).
 *
 * @event {{ entry: KnowledgeEntry }} huashu-contribution-submitted - The entry was stored with status `pending_review`.
 * @event {{ error: HuashuApiError }} huashu-contribution-error - The server refused the entry; field problems are shown on the fields.
 *
 * @csspart base - The form element.
 * @csspart rule - The three-part rule explained above the fields.
 * @csspart points - The points an approved entry earns and the rep's balance (shown once they are known).
 * @csspart field - The wrapper of one field; also `field-question`, `field-answer`, `field-evidence`.
 * @csspart label - A field's label.
 * @csspart input - A text input, textarea or select.
 * @csspart error - A field's error message.
 * @csspart evidence-row - One piece of evidence (kind, title, optional URL).
 * @csspart button - Every button.
 * @csspart alert - The error summary shown after a refused submit.
 * @csspart success - The confirmation shown after a successful submit.
 *
 * @cssproperty --huashu-accent - Brand colour of buttons and focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-accent-contrast - Text colour on the accent. Default `#ffffff`.
 * @cssproperty --huashu-font-family - Font; inherited from the page when unset.
 * @cssproperty --huashu-font-size - Base font size. Default `14px`.
 * @cssproperty --huashu-radius - Corner radius of controls. Default `8px`.
 * @cssproperty --huashu-text-color - Text colour. Default `#1f2328`.
 * @cssproperty --huashu-muted-color - Secondary text colour. Default `#59636e`.
 * @cssproperty --huashu-border-color - Control borders. Default `#d1d9e0`.
 * @cssproperty --huashu-surface - Control background. Default `#ffffff`.
 * @cssproperty --huashu-surface-alt - Background of the rule and the evidence rows. Default `#f6f8fa`.
 * @cssproperty --huashu-danger - Error colour. Default `#cf222e`.
 * @cssproperty --huashu-success - Success colour. Default `#1a7f37`.
 * @cssproperty --huashu-spacing - Gap between fields. Default `12px`.
 */
export class HuashuContribute extends HuashuElement {
  static override styles = [baseStyles, formFooterStyles, contributeStyles];

  static override properties: PropertyDeclarations = {
    token: { type: String },
    question: { type: String },
    client: { attribute: false },
    answer: { state: true },
    rows: { state: true },
    errors: { state: true },
    formError: { state: true },
    submitting: { state: true },
    submitted: { state: true },
    points: { state: true },
  };

  /** A rep token minted by the CRM's backend. */
  token = '';
  /** The customer's words (客户原话) in the form. */
  question = '';
  /** An assistant client (`createAssistantClient(...)` from `@huashu/sdk/assistant`) to use instead of one made from `endpoint` and `token`. */
  client: ContributeWidgetClient | undefined;

  private answer = '';
  private rows: EvidenceRow[] = [];
  private errors: Partial<Record<ErrorKey, string>> = {};
  private formError = '';
  private submitting = false;
  private submitted: KnowledgeEntry | undefined;
  private points: PointsView | undefined;
  private readonly opsClients = new KnowledgeOpsClientCache();
  /** Each points load gets a number; an answer for an older token or client is dropped. */
  private pointsSerial = 0;
  private nextRowId = 0;
  private readonly clients = new AssistantClientCache();

  constructor() {
    super();
    this.rows = [this.emptyRow()];
  }

  /**
   * Starts a contribution for `question` — e.g. the question the assistant
   * found nothing for — and moves focus to the answer, the part left to write.
   */
  async prefill(question: string): Promise<void> {
    if (this.submitted) this.clear();
    this.question = question;
    this.clearError('question');
    await this.updateComplete;
    const answer = this.renderRoot.querySelector<HTMLElement>('#answer');
    this.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    answer?.focus({ preventScroll: true });
  }

  /** Empties the form for another contribution. */
  clear(): void {
    this.question = '';
    this.answer = '';
    this.rows = [this.emptyRow()];
    this.errors = {};
    this.formError = '';
    this.submitted = undefined;
  }

  private emptyRow(): EvidenceRow {
    return { id: this.nextRowId++, kind: 'case', title: '', url: '' };
  }

  private resolveClient(): ContributeWidgetClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    return this.clients.get(this.endpoint, () => this.token);
  }

  private pointsClient(): Pick<KnowledgeOpsClient, 'myPoints'> | undefined {
    if (this.client) return this.client.myPoints ? (this.client as Pick<KnowledgeOpsClient, 'myPoints'>) : undefined;
    if (!this.endpoint || !this.token) return undefined;
    return this.opsClients.get(this.endpoint, () => this.token);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('endpoint') || changed.has('token') || changed.has('client')) void this.loadPoints();
  }

  /** Points are a hint beside the form: when they cannot be read, the form simply does not show them. */
  private async loadPoints(): Promise<void> {
    const serial = ++this.pointsSerial;
    const client = this.pointsClient();
    if (!client) {
      this.points = undefined;
      return;
    }
    try {
      const mine = await client.myPoints({ limit: 1 });
      if (serial === this.pointsSerial) this.points = { balance: mine.balance, approved: mine.rules.entryApproved, success: mine.rules.successReported };
    } catch {
      if (serial === this.pointsSerial) this.points = undefined;
    }
  }

  private clearError(key: ErrorKey): void {
    if (!this.errors[key]) return;
    const { [key]: _fixed, ...rest } = this.errors;
    this.errors = rest;
  }

  private updateRow(id: number, field: EvidenceField, value: string): void {
    this.rows = this.rows.map((row) => (row.id === id ? { ...row, [field]: value } : row));
    this.clearError(`${id}.${field}`);
    this.clearError('evidence');
  }

  private async addRow(): Promise<void> {
    const row = this.emptyRow();
    this.rows = [...this.rows, row];
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#kind-${row.id}`)?.focus();
  }

  private async removeRow(id: number): Promise<void> {
    const index = this.rows.findIndex((row) => row.id === id);
    this.rows = this.rows.filter((row) => row.id !== id);
    const errors = { ...this.errors };
    for (const field of ['kind', 'title', 'url'] as const) delete errors[`${id}.${field}`];
    this.errors = errors;
    // Focus would otherwise fall to the document: move it to the neighbouring row, or to "add".
    await this.updateComplete;
    const next = this.rows[Math.min(index, this.rows.length - 1)];
    this.renderRoot.querySelector<HTMLElement>(next ? `#title-${next.id}` : '.add')?.focus();
  }

  /**
   * The entry as the server expects it. Rows left completely empty are not
   * evidence and are dropped; `sent[i]` is the row behind `evidence.i` in the
   * server's answer. Nothing else is checked here: the three-part rule lives in
   * one place, the server's schema, and its verdict is shown on the fields.
   */
  private entry(): { input: KnowledgeEntryInput; sent: EvidenceRow[] } {
    const sent = this.rows.filter((row) => row.title.trim() || row.url.trim());
    return {
      input: {
        question: this.question.trim(),
        answer: this.answer.trim(),
        evidence: sent.map((row) => ({ kind: row.kind, title: row.title.trim(), ...(row.url.trim() ? { url: row.url.trim() } : {}) })),
      },
      sent,
    };
  }

  private async onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.submitting) return;
    const client = this.resolveClient();
    if (!client) {
      this.fail(notConfigured('token'), this.t('common.notConfigured', { credential: 'token' }));
      return;
    }
    const { input, sent } = this.entry();
    this.errors = {};
    this.formError = '';
    this.submitting = true;
    try {
      const entry = await client.contribute(input);
      this.submitted = entry;
      emit(this, 'huashu-contribution-submitted', { entry });
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[part~="success"]')?.focus();
    } catch (thrown) {
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      const unplaced = this.applyIssues(error.issues, sent);
      const placed = error.issues.length > unplaced.length;
      const separator = this.i18n.locale === 'en' ? '; ' : '；';
      // Issues with a field are shown there and summarised; any other issue is spelled out, as is an error without issues.
      const message = unplaced.length
        ? unplaced.map((issue) => `${issue.path}: ${issue.message}`).join(separator)
        : placed
          ? this.t('contribute.error.fix')
          : this.describeError(error);
      this.fail(error, message);
      if (placed) {
        await this.updateComplete;
        const invalid = this.renderRoot.querySelector<HTMLElement>('.control[aria-invalid="true"]');
        (invalid ?? this.renderRoot.querySelector<HTMLElement>('.row .title'))?.focus();
      }
    } finally {
      this.submitting = false;
    }
  }

  private fail(error: HuashuApiError, message: string): void {
    this.formError = message;
    emit(this, 'huashu-contribution-error', { error });
  }

  /**
   * Puts each server issue on its field, in the page's language (the path says
   * which rule failed; the server's English sentence is the fallback). Returns
   * the issues no field of this form can show.
   */
  private applyIssues(issues: readonly FieldIssue[], sent: readonly EvidenceRow[]): FieldIssue[] {
    const errors: Partial<Record<ErrorKey, string>> = {};
    const unplaced: FieldIssue[] = [];
    for (const issue of issues) {
      const row = /^evidence\.(\d+)\.(kind|title|url)$/.exec(issue.path);
      if (issue.path === 'question' || issue.path === 'answer' || issue.path === 'evidence') {
        errors[issue.path] ??= this.t(`contribute.error.${issue.path}`);
      } else if (row && sent[Number(row[1])]) {
        const field = row[2] as EvidenceField;
        errors[`${sent[Number(row[1])]!.id}.${field}`] ??= this.t(ISSUE_MESSAGES[field]);
      } else if (issue.path.startsWith('evidence')) {
        errors.evidence ??= issue.message;
      } else {
        unplaced.push(issue);
      }
    }
    this.errors = errors;
    return unplaced;
  }

  private renderRow(row: EvidenceRow, index: number): TemplateResult {
    const label = this.t('contribute.evidenceRow', { index: index + 1 });
    const error = (field: EvidenceField) => this.errors[`${row.id}.${field}`] ?? '';
    const messages = (['kind', 'title', 'url'] as const).map(error).filter(Boolean);
    return html`<div part="evidence-row" class="row" role="group" aria-label=${label}>
      <select
        part="input"
        class="control kind"
        id="kind-${row.id}"
        aria-label="${label} · ${this.t('contribute.evidenceKind')}"
        aria-invalid=${error('kind') ? 'true' : 'false'}
        @change=${(event: Event) => this.updateRow(row.id, 'kind', (event.target as HTMLSelectElement).value)}
      >
        ${EVIDENCE_KINDS.map((kind) => html`<option value=${kind} ?selected=${row.kind === kind}>${this.t(`evidence.${kind}`)}</option>`)}
      </select>
      <input
        part="input"
        class="control title"
        id="title-${row.id}"
        maxlength="300"
        placeholder=${this.t('contribute.evidenceTitlePlaceholder')}
        aria-label="${label} · ${this.t('contribute.evidenceTitle')}"
        aria-invalid=${error('title') ? 'true' : 'false'}
        aria-describedby="error-row-${row.id}"
        .value=${live(row.title)}
        @input=${(event: Event) => this.updateRow(row.id, 'title', (event.target as HTMLInputElement).value)}
      />
      <input
        part="input"
        class="control url"
        id="url-${row.id}"
        type="url"
        inputmode="url"
        maxlength="2048"
        autocapitalize="off"
        spellcheck="false"
        placeholder=${this.t('contribute.evidenceUrlPlaceholder')}
        aria-label="${label} · ${this.t('contribute.evidenceUrl')}"
        aria-invalid=${error('url') ? 'true' : 'false'}
        aria-describedby="error-row-${row.id}"
        .value=${live(row.url)}
        @input=${(event: Event) => this.updateRow(row.id, 'url', (event.target as HTMLInputElement).value)}
      />
      <button
        part="button"
        class="btn small text remove"
        type="button"
        aria-label=${this.t('contribute.removeEvidence', { index: index + 1 })}
        title=${this.t('contribute.removeEvidence', { index: index + 1 })}
        ?hidden=${this.rows.length < 2}
        @click=${() => this.removeRow(row.id)}
      >
        ${removeIcon}
      </button>
      <div part="error" class="error row-error" id="error-row-${row.id}" aria-live="polite">${messages.join(this.i18n.locale === 'en' ? '; ' : '；')}</div>
    </div>`;
  }

  private renderTextField(field: 'question' | 'answer', step: number, rows: number, max: number): TemplateResult {
    const error = this.errors[field] ?? '';
    const value = field === 'question' ? this.question : this.answer;
    return html`<div part="field field-${field}" class="field">
      <label part="label" class="label" for=${field}><span class="step" aria-hidden="true">${step}</span>${this.t(`contribute.${field}`)}</label>
      <span class="hint" id="hint-${field}">${this.t(field === 'question' ? 'contribute.questionHint' : 'contribute.answerHint')}</span>
      <textarea
        part="input"
        class="control"
        id=${field}
        rows=${rows}
        maxlength=${max}
        aria-required="true"
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby="hint-${field} error-${field}"
        .value=${live(value)}
        @input=${(event: Event) => {
          const text = (event.target as HTMLTextAreaElement).value;
          if (field === 'question') this.question = text;
          else this.answer = text;
          this.clearError(field);
        }}
      ></textarea>
      <div part="error" class="error" id="error-${field}" aria-live="polite">${error}</div>
    </div>`;
  }

  private renderSuccess(entry: KnowledgeEntry): TemplateResult {
    return html`<div part="base success" class="success" role="status" tabindex="-1">
      ${checkIcon}
      <div class="success-body">
        <p class="success-title">${this.t('contribute.success')}</p>
        <p class="success-detail">${this.t('contribute.successDetail')}</p>
        ${this.points && this.points.approved > 0
          ? html`<p part="points" class="success-points">${this.t('contribute.points.successEarn', { points: this.points.approved, success: this.points.success })}</p>`
          : nothing}
        <p class="success-quote">${entry.question}</p>
        <button part="button" class="btn small" type="button" @click=${this.onAgain}>${this.t('contribute.again')}</button>
      </div>
    </div>`;
  }

  private onAgain = async (): Promise<void> => {
    this.clear();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#question')?.focus();
  };

  protected override render(): TemplateResult {
    if (this.submitted) return this.renderSuccess(this.submitted);
    const evidenceError = this.errors.evidence ?? '';
    return html`<form part="base" novalidate aria-label=${this.t('contribute.label')} @submit=${this.onSubmit} aria-busy=${this.submitting ? 'true' : 'false'}>
      <div part="rule" class="rule">
        <strong class="rule-title">${this.t('contribute.rule')}</strong>
        <span class="rule-detail">${this.t('contribute.ruleDetail')}</span>
        ${this.points
          ? html`<span part="points" class="points">
              ${this.points.approved > 0 ? html`<span class="points-earn">${this.t('contribute.points.earn', { points: this.points.approved })}</span>` : nothing}
              <span class="points-balance">${this.t('contribute.points.balance', { balance: this.points.balance })}</span>
            </span>`
          : nothing}
      </div>
      ${this.renderTextField('question', 1, 2, 500)} ${this.renderTextField('answer', 2, 5, 4000)}
      <fieldset part="field field-evidence" class="field evidence" aria-describedby="hint-evidence error-evidence" aria-invalid=${evidenceError ? 'true' : 'false'}>
        <legend part="label" class="label"><span class="step" aria-hidden="true">3</span>${this.t('contribute.evidence')}</legend>
        <span class="hint" id="hint-evidence">${this.t('contribute.evidenceHint')}</span>
        <div class="rows ${evidenceError ? 'invalid' : ''}">${repeat(this.rows, (row) => row.id, (row, index) => this.renderRow(row, index))}</div>
        <div part="error evidence-error" class="error" id="error-evidence" aria-live="polite">${evidenceError}</div>
        <div>
          <button part="button" class="btn small text add" type="button" ?disabled=${this.rows.length >= MAX_EVIDENCE} @click=${this.addRow}>
            ${plusIcon}${this.t('contribute.addEvidence')}
          </button>
        </div>
      </fieldset>
      <div class="alert error" part="alert" role="alert" ?hidden=${!this.formError}>${this.formError ? html`${alertIcon}<span>${this.formError}</span>` : nothing}</div>
      <div class="actions">
        <button part="button" class="btn primary" type="submit" ?disabled=${this.submitting}>
          ${this.submitting ? html`<span class="spinner" aria-hidden="true"></span>${this.t('contribute.submitting')}` : this.t('contribute.submit')}
        </button>
      </div>
    </form>`;
  }
}
