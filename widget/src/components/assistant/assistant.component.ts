import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { HuashuApiError, type AnswerCitation, type AskContext, type AskMatch, type AskResponse, type AssistantClient, type SuccessRate } from '@huashu/sdk/assistant';
import { AssistantClientCache, notConfigured } from '../../internal/clients.js';
import { copyText } from '../../internal/clipboard.js';
import { evidenceKindLabel } from '../../internal/evidence.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import { alertIcon, checkIcon, copyIcon, linkIcon, reviewIcon, searchIcon, sparkIcon, thumbDownIcon, thumbUpIcon } from '../../internal/icons.js';
import { safeHttpUrl } from '../../internal/links.js';
import { baseStyles } from '../../internal/styles.js';
import { assistantStyles } from './assistant.styles.js';

/** What the assistant needs of a client; `createAssistantClient()` from `@huashu/sdk/assistant` fits. */
export type AssistantWidgetClient = Pick<AssistantClient, 'ask' | 'answer' | 'reportOutcome'>;

type Outcome = 'success' | 'failure';

interface Vote {
  outcome: Outcome;
  status: 'sending' | 'sent' | 'failed';
}

/** The optional LLM summary: hidden until the server starts streaming one (it only does when it has a chat model). */
interface AiAnswer {
  status: 'hidden' | 'writing' | 'done' | 'failed';
  text: string;
  citations: AnswerCitation[];
}

const HIDDEN_AI: AiAnswer = { status: 'hidden', text: '', citations: [] };
/** How long "copied" stays on the button: long enough to read, short enough to copy again. */
const COPIED_FEEDBACK_MS = 2000;
/** The server's question limit (`QUESTION_MAX` in @huashu/core), checked here so the rep gets a sentence instead of a 400. */
export const QUESTION_MAX = 500;

/** The server's language-tag rule (AskContext.lang): a page `lang` it would refuse is left out rather than failing the question. */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** Splits an answer at its citation markers (`[1]`) so they can become buttons; everything else stays text. */
function citationParts(text: string): Array<string | number> {
  return text.split(/\[(\d{1,2})\]/).map((part, index) => (index % 2 === 1 ? Number(part) : part));
}

/**
 * @summary The objection-handling assistant: a rep types what the customer said and gets the three best answer scripts with evidence, success rate and an optional AI summary.
 *
 * @tag huashu-assistant
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend (`POST /v1/rep-tokens`); replace it when it is re-minted.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} lead-id - The lead being worked on: sent as the question's context (its industry and product are preferred) and with outcome reports.
 * @attr {number} limit - How many scripts to show (1–10). Default 3.
 *
 * @event {{ question: string, response: AskResponse }} huashu-asked - A question was answered with matches or an abstention.
 * @event {{ error: HuashuApiError }} huashu-assistant-error - A question could not be answered.
 * @event {{ entryId: string, outcome: 'success' | 'failure', successRate: SuccessRate }} huashu-outcome-reported - The rep said whether a script worked; `successRate` is the updated rate.
 * @event {{ question: string }} huashu-contribute-request - Nothing matched and the rep chose to contribute a script (e.g. prefill a `<huashu-contribute>` with `prefill(question)`).
 *
 * @csspart base - The wrapper of everything.
 * @csspart search - The question form (`role="search"`).
 * @csspart input - The question box.
 * @csspart button - Every button.
 * @csspart ask-button - The ask button.
 * @csspart status - The line announcing what was found.
 * @csspart results - The list of result cards.
 * @csspart card - One answer script card.
 * @csspart question - The customer question an entry was written for.
 * @csspart answer - The answer script text.
 * @csspart copy-button - The copy button of a card.
 * @csspart evidence - The evidence list of a card.
 * @csspart evidence-kind - The kind label of one piece of evidence (案例, 测试报告 …).
 * @csspart evidence-link - A link to evidence (only for http(s) URLs; others render as plain text).
 * @csspart tag - A tag chip.
 * @csspart stale-badge - The "needs review" badge of an entry past its review date.
 * @csspart success-rate - The success rate text and bar.
 * @csspart feedback - The helpful / not helpful buttons.
 * @csspart ai-answer - The streamed AI summary (only when the server has a chat model).
 * @csspart abstain - The message shown when nothing in the knowledge base matches.
 * @csspart maybe - The 「可能相关」 section: matches the assistant is not confident about, with the contribute prompt.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Brand colour of buttons, links and focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-accent-contrast - Text colour on the accent. Default `#ffffff`.
 * @cssproperty --huashu-font-family - Font; inherited from the page when unset.
 * @cssproperty --huashu-font-size - Base font size. Default `14px`.
 * @cssproperty --huashu-radius - Corner radius of cards and controls. Default `8px`.
 * @cssproperty --huashu-text-color - Text colour. Default `#1f2328`.
 * @cssproperty --huashu-muted-color - Secondary text colour. Default `#59636e`.
 * @cssproperty --huashu-border-color - Card and control borders. Default `#d1d9e0`.
 * @cssproperty --huashu-surface - Card background. Default `#ffffff`.
 * @cssproperty --huashu-surface-alt - Background of quotes and chips. Default `#f6f8fa`.
 * @cssproperty --huashu-danger - Error colour and low success rates. Default `#cf222e`.
 * @cssproperty --huashu-success - High success rates. Default `#1a7f37`.
 * @cssproperty --huashu-warning - The stale badge and middling success rates. Default `#9a6700`.
 * @cssproperty --huashu-spacing - Gap between cards. Default `12px`.
 */
export class HuashuAssistant extends HuashuElement {
  static override styles = [baseStyles, assistantStyles];

  static override properties: PropertyDeclarations = {
    token: { type: String },
    leadId: { type: String, attribute: 'lead-id' },
    limit: { type: Number },
    client: { attribute: false },
    question: { state: true },
    phase: { state: true },
    askedQuestion: { state: true },
    response: { state: true },
    errorMessage: { state: true },
    ai: { state: true },
    votes: { state: true },
    rates: { state: true },
    copied: { state: true },
  };

  /** A rep token minted by the CRM's backend. */
  token = '';
  /** The lead being worked on; outcome reports are attributed to it. */
  leadId = '';
  /** How many scripts to show. */
  limit = 3;
  /** An assistant client (`createAssistantClient(...)` from `@huashu/sdk/assistant`) to use instead of one made from `endpoint` and `token`. */
  client: AssistantWidgetClient | undefined;

  private question = '';
  private phase: 'idle' | 'asking' | 'done' | 'error' = 'idle';
  private askedQuestion = '';
  private response: AskResponse | undefined;
  private errorMessage = '';
  private ai: AiAnswer = HIDDEN_AI;
  /** Votes by entry id, kept while the element lives: asking again shows what the rep already reported. */
  private votes = new Map<string, Vote>();
  /** Success rates returned by outcome reports, fresher than those of the last search. */
  private rates = new Map<string, SuccessRate>();
  private copied: { entryId: string; ok: boolean } | undefined;
  private copiedTimer: ReturnType<typeof setTimeout> | undefined;
  /** Aborts the previous question's requests when a new one is asked, so late answers never overwrite newer ones. */
  private inFlight: AbortController | undefined;
  private readonly clients = new AssistantClientCache();

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.inFlight?.abort();
    clearTimeout(this.copiedTimer);
  }

  private resolveClient(): AssistantWidgetClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    return this.clients.get(this.endpoint, () => this.token);
  }

  /** The lead on screen and the page language, which the server prefers as a bounded boost. */
  private context(): AskContext | undefined {
    const lang = this.closest('[lang]')?.getAttribute('lang') || this.ownerDocument.documentElement.lang;
    const context: AskContext = { ...(this.leadId ? { leadId: this.leadId } : {}), ...(lang && LANGUAGE_TAG.test(lang) ? { lang } : {}) };
    return Object.keys(context).length ? context : undefined;
  }

  /** Asks a question, as if the rep had typed it and pressed Enter (e.g. from a call transcript). */
  async ask(question: string = this.question): Promise<void> {
    const text = question.trim();
    this.question = question;
    if (!text) {
      this.renderRoot.querySelector<HTMLElement>('[part~="input"]')?.focus();
      return;
    }
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    this.askedQuestion = text;
    this.ai = HIDDEN_AI;
    this.errorMessage = '';
    if (text.length > QUESTION_MAX) return this.showError(new HuashuApiError('invalid_argument', 'question too long'), this.t('assistant.tooLong'));
    const client = this.resolveClient();
    if (!client) return this.showError(notConfigured('token'), this.t('common.notConfigured', { credential: 'token' }));
    this.phase = 'asking';
    try {
      const context = this.context();
      const response = await client.ask({ question: text, limit: this.limit, ...(context ? { context } : {}) }, { signal: controller.signal });
      if (controller !== this.inFlight) return;
      this.response = response;
      this.phase = 'done';
      emit(this, 'huashu-asked', { question: text, response });
      // The summary needs matches to cite, and confident ones: it is not written from 「可能相关」 guesses.
      if (!this.abstained(response) && response.confidence !== 'low') void this.streamAnswer(client, text, controller, context);
    } catch (thrown) {
      if (controller !== this.inFlight) return;
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.showError(error, this.describeError(error));
    }
  }

  private showError(error: HuashuApiError, message: string): void {
    this.phase = 'error';
    this.response = undefined;
    this.errorMessage = message;
    emit(this, 'huashu-assistant-error', { error });
  }

  private abstained(response: AskResponse): boolean {
    return response.abstained || response.matches.length === 0;
  }

  /**
   * Streams the grounded summary under the cards' question. It appears with
   * the server's first `citations` event, so a server without a chat model —
   * which answers `llm_unavailable` before streaming anything — never shows it.
   */
  private async streamAnswer(client: AssistantWidgetClient, question: string, controller: AbortController, context: AskContext | undefined): Promise<void> {
    const current = () => controller === this.inFlight;
    try {
      await client.answer(question, {
        limit: this.limit,
        ...(context ? { context } : {}),
        signal: controller.signal,
        onCitations: (citations) => {
          if (current()) this.ai = { status: 'writing', text: '', citations };
        },
        onToken: (token) => {
          if (current()) this.ai = { ...this.ai, text: this.ai.text + token };
        },
      });
      if (current()) this.ai = this.ai.status === 'hidden' || !this.ai.text ? HIDDEN_AI : { ...this.ai, status: 'done' };
    } catch (thrown) {
      if (!current()) return;
      // No chat model, or it failed: the cards stand on their own, so the summary simply is not there.
      const unavailable = thrown instanceof HuashuApiError && thrown.code === 'llm_unavailable';
      this.ai = unavailable || this.ai.status === 'hidden' ? HIDDEN_AI : { ...this.ai, status: 'failed', text: '' };
    }
  }

  private onKeydown(event: KeyboardEvent): void {
    // Enter asks; Shift+Enter is a new line; Enter while an IME is composing (pinyin) only picks characters.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    void this.ask();
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    void this.ask();
  }

  private async vote(match: AskMatch, outcome: Outcome): Promise<void> {
    const client = this.resolveClient();
    const entryId = match.entry.id;
    if (!client || this.votes.get(entryId)?.status === 'sending' || this.votes.get(entryId)?.status === 'sent') return;
    this.votes = new Map(this.votes).set(entryId, { outcome, status: 'sending' });
    // The askId ties the report to the question asked: a success teaches the assistant that phrasing.
    const askId = this.response?.matches.includes(match) ? this.response.askId : undefined;
    try {
      const result = await client.reportOutcome({ entryId, outcome, ...(this.leadId ? { leadId: this.leadId } : {}), ...(askId ? { askId } : {}) });
      this.rates = new Map(this.rates).set(entryId, result.successRate);
      this.votes = new Map(this.votes).set(entryId, { outcome, status: 'sent' });
      emit(this, 'huashu-outcome-reported', { entryId, outcome, successRate: result.successRate });
    } catch {
      // The buttons come back so the rep can try again; the card says why they did.
      this.votes = new Map(this.votes).set(entryId, { outcome, status: 'failed' });
    }
  }

  private async copy(match: AskMatch, event: Event): Promise<void> {
    const button = event.currentTarget as HTMLElement;
    const ok = await copyText(match.entry.answer);
    button.focus();
    if (!ok) {
      // Last resort: select the script so Ctrl+C / long-press copies it.
      const answer = this.renderRoot.querySelector(`[data-entry="${CSS.escape(match.entry.id)}"] [part~="answer"]`);
      if (answer) getSelection()?.selectAllChildren(answer);
    }
    this.copied = { entryId: match.entry.id, ok };
    clearTimeout(this.copiedTimer);
    this.copiedTimer = setTimeout(() => (this.copied = undefined), COPIED_FEEDBACK_MS);
  }

  private requestContribution(): void {
    emit(this, 'huashu-contribute-request', { question: this.askedQuestion });
  }

  /** Moves focus to the card a citation points at. */
  private showCard(index: number): void {
    const card = this.renderRoot.querySelector<HTMLElement>(`#card-${index}`);
    card?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    card?.focus({ preventScroll: true });
  }

  private renderRate(rate: SuccessRate): TemplateResult {
    if (!rate.uses) return html`<span part="success-rate" class="rate none">${this.t('assistant.noFeedback')}</span>`;
    // Computed from the counts, not the server's rounded `rate`, so text and bar always agree.
    const percent = Math.round((rate.successes / rate.uses) * 100);
    const level = percent >= 70 ? 'high' : percent >= 40 ? 'mid' : 'low';
    return html`<span part="success-rate" class="rate ${level}">
      <span class="rate-text">${this.t('assistant.rate', { successes: rate.successes, uses: rate.uses, percent })}</span>
      <span class="bar" aria-hidden="true"><span class="bar-fill" style="width: ${percent}%"></span></span>
    </span>`;
  }

  private renderFeedback(match: AskMatch): TemplateResult {
    const vote = this.votes.get(match.entry.id);
    const locked = vote?.status === 'sending' || vote?.status === 'sent';
    const button = (outcome: Outcome, label: string, icon: TemplateResult) =>
      html`<button
        part="button"
        class="btn small vote ${vote?.outcome === outcome && locked ? 'chosen' : ''}"
        type="button"
        aria-pressed=${vote?.outcome === outcome && locked ? 'true' : 'false'}
        ?disabled=${locked}
        @click=${() => this.vote(match, outcome)}
      >
        ${icon}${label}
      </button>`;
    return html`<div part="feedback" class="feedback" role="group" aria-label=${this.t('assistant.feedbackPrompt')}>
      ${button('success', this.t('assistant.helpful'), thumbUpIcon)} ${button('failure', this.t('assistant.notHelpful'), thumbDownIcon)}
      <span class="feedback-note ${vote?.status === 'failed' ? 'failed' : ''}" role="status"
        >${vote?.status === 'sent' ? this.t('assistant.feedbackThanks') : vote?.status === 'failed' ? this.t('assistant.feedbackFailed') : ''}</span
      >
    </div>`;
  }

  private renderEvidence(match: AskMatch): TemplateResult {
    const evidence = match.entry.evidence;
    if (!evidence.length) return html`<p class="muted">${this.t('assistant.noEvidence')}</p>`;
    return html`<ul part="evidence" class="evidence">
      ${evidence.map((item) => {
        const href = safeHttpUrl(item.url);
        return html`<li>
          <span part="evidence-kind" class="kind kind-${evidenceKindLabel(item.kind).slice('evidence.'.length)}">${this.t(evidenceKindLabel(item.kind))}</span>
          ${href
            ? html`<a part="evidence-link" class="evidence-title" href=${href} target="_blank" rel="noopener noreferrer">${item.title}${linkIcon}</a>`
            : html`<span part="evidence-title" class="evidence-title">${item.title}</span>`}
        </li>`;
      })}
    </ul>`;
  }

  private renderCard(match: AskMatch, index: number): TemplateResult {
    const { entry } = match;
    const rank = index + 1;
    const copied = this.copied?.entryId === entry.id ? this.copied : undefined;
    return html`<article part="card" class="card" id="card-${rank}" data-entry=${entry.id} tabindex="-1" aria-labelledby="card-${rank}-title">
      <header class="card-head">
        <span class="rank" id="card-${rank}-title"><span class="visually-hidden">${this.t('assistant.card', { rank })}</span><span aria-hidden="true">${rank}</span></span>
        <span class="chips">
          ${entry.industry ? html`<span part="tag" class="tag industry">${entry.industry}</span>` : nothing}
          ${entry.tags.map((tag) => html`<span part="tag" class="tag">${tag}</span>`)}
        </span>
        ${entry.stale ? html`<span part="stale-badge" class="stale" title=${this.t('assistant.staleTitle')}>${reviewIcon}${this.t('assistant.stale')}</span>` : nothing}
      </header>
      <p part="question" class="quote"><span class="visually-hidden">${this.t('assistant.customerSaid')}：</span>${entry.question}</p>
      <section class="script">
        <div class="section-head">
          <h4 class="section-title">${this.t('assistant.script')}</h4>
          <button part="button copy-button" class="btn small text copy" type="button" @click=${(event: Event) => this.copy(match, event)}>
            ${copied?.ok ? checkIcon : copyIcon}${copied ? this.t(copied.ok ? 'assistant.copied' : 'assistant.copyFailed') : this.t('assistant.copy')}
          </button>
        </div>
        <p part="answer" class="answer">${entry.answer}</p>
      </section>
      <section class="proof">
        <h4 class="section-title">${this.t('assistant.evidence')}</h4>
        ${this.renderEvidence(match)}
      </section>
      <footer class="card-foot">${this.renderRate(this.rates.get(entry.id) ?? match.successRate)} ${this.renderFeedback(match)}</footer>
    </article>`;
  }

  /** Text stays text; a marker that matches a citation becomes a button to its card, an unknown one stays as typed. */
  private renderAiPart(part: string | number, citations: readonly AnswerCitation[]): TemplateResult | string {
    if (typeof part === 'string') return part;
    if (!citations.some((citation) => citation.index === part)) return `[${part}]`;
    return html`<button class="cite" type="button" part="button" aria-label=${this.t('assistant.card', { rank: part })} @click=${() => this.showCard(part)}>${part}</button>`;
  }

  private renderAi(): TemplateResult | typeof nothing {
    const ai = this.ai;
    if (ai.status === 'hidden') return nothing;
    const writing = ai.status === 'writing';
    return html`<section part="ai-answer" class="ai" aria-live="polite" aria-busy=${writing ? 'true' : 'false'}>
      <div class="ai-head">${sparkIcon}<h3 class="ai-title">${this.t('assistant.aiTitle')}</h3><span class="ai-badge">${this.t('assistant.aiBadge')}</span></div>
      ${ai.status === 'failed'
        ? html`<p class="muted">${this.t('assistant.aiFailed')}</p>`
        : writing && !ai.text
          ? html`<p class="muted">${this.t('assistant.aiWriting')}</p>`
          : html`<p class="ai-text">${citationParts(ai.text).map((part) => this.renderAiPart(part, ai.citations))}${writing
              ? html`<span class="caret" aria-hidden="true"></span>`
              : nothing}</p>`}
      ${ai.citations.length && ai.status !== 'failed'
        ? html`<ol class="sources" aria-label=${this.t('assistant.aiSources')}>
            ${ai.citations.map(
              (citation) =>
                html`<li><button class="source" type="button" @click=${() => this.showCard(citation.index)}><span class="cite" aria-hidden="true">${citation.index}</span><span class="source-text">${citation.question}</span></button></li>`,
            )}
          </ol>`
        : nothing}
    </section>`;
  }

  private renderResults(): TemplateResult | typeof nothing {
    if (this.phase === 'asking') {
      return html`<div class="skeletons" aria-hidden="true">${[0, 1, 2].slice(0, Math.min(3, this.limit)).map(() => html`<div class="skeleton"><span></span><span></span><span></span></div>`)}</div>`;
    }
    if (this.phase === 'error') {
      return html`<div part="alert" class="alert error" role="alert">${alertIcon}<span>${this.errorMessage}</span></div>`;
    }
    const response = this.response;
    if (this.phase !== 'done' || !response) return nothing;
    if (this.abstained(response)) {
      return html`<div part="abstain" class="abstain">
        <p class="abstain-text">${this.t('assistant.abstained')}</p>
        <button part="button contribute-button" class="btn" type="button" @click=${this.requestContribution}>${this.t('assistant.contribute')}</button>
      </div>`;
    }
    // A server without tiers sends no confidence: its matches are answers.
    const sure = response.matches.filter((match) => match.confidence !== 'low');
    const maybe = response.matches.filter((match) => match.confidence === 'low');
    return html`${this.renderAi()}
      ${sure.length ? html`<div part="results" class="cards">${sure.map((match, index) => this.renderCard(match, index))}</div>` : nothing}
      ${maybe.length
        ? html`<section part="maybe" class="maybe" aria-labelledby="maybe-title">
            <h3 class="maybe-title" id="maybe-title">${this.t('assistant.maybe')}</h3>
            ${response.confidence === 'low'
              ? html`<p class="maybe-hint">${this.t('assistant.maybeHint')}
                  <button part="button contribute-button" class="btn small" type="button" @click=${this.requestContribution}>${this.t('assistant.contribute')}</button></p>`
              : nothing}
            <div part="results" class="cards">${maybe.map((match, index) => this.renderCard(match, sure.length + index))}</div>
          </section>`
        : nothing}`;
  }

  private foundMatches(): boolean {
    return this.phase === 'done' && !!this.response && !this.abstained(this.response);
  }

  /** What the live region announces; visible only as the "n scripts found" line, the rest is shown elsewhere. */
  private statusText(): string {
    if (this.phase === 'asking') return this.t('assistant.asking');
    if (this.phase === 'done' && this.response) {
      const count = this.response.matches.length;
      if (this.abstained(this.response)) return this.t('assistant.abstained');
      return count === 1 ? this.t('assistant.foundOne') : this.t('assistant.found', { count });
    }
    return '';
  }

  protected override render(): TemplateResult {
    const asking = this.phase === 'asking';
    return html`<div part="base" class="base">
      <form part="search" class="search" role="search" aria-label=${this.t('assistant.label')} @submit=${this.onSubmit}>
        <label class="visually-hidden" for="question">${this.t('assistant.question')}</label>
        <div class="search-box">
          <span class="search-icon">${searchIcon}</span>
          <textarea
            part="input"
            id="question"
            class="question"
            rows="2"
            maxlength=${QUESTION_MAX * 2}
            placeholder=${this.t('assistant.placeholder')}
            aria-describedby="question-hint"
            enterkeyhint="search"
            .value=${live(this.question)}
            @input=${(event: Event) => (this.question = (event.target as HTMLTextAreaElement).value)}
            @keydown=${this.onKeydown}
          ></textarea>
          <button part="button ask-button" class="btn primary ask" type="submit" ?disabled=${asking}>
            ${asking ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}${this.t('assistant.ask')}
          </button>
        </div>
        <div class="hint" id="question-hint">${this.t('assistant.hint')}</div>
      </form>
      <div part="status" class="status ${this.foundMatches() ? '' : 'visually-hidden'}" role="status" aria-live="polite">${this.statusText()}</div>
      <div class="results" aria-busy=${asking ? 'true' : 'false'}>${this.renderResults()}</div>
    </div>`;
  }
}
