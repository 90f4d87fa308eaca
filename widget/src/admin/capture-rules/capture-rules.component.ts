import { html, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { CaptureRule, CaptureRules, TermGroup } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import { adminStyles } from '../internal/admin-styles.js';
import { RuleSetElement } from '../internal/rule-set-element.js';

type Rule = CaptureRule;
type Draft = Omit<CaptureRules, 'rules'> & { rules: Rule[] };

const SPEAKERS = ['customer', 'rep', 'any'] as const;
const DEFAULT_WINDOW = 3;
const termsOf = (group: TermGroup) => (Array.isArray(group) ? group : group.terms);
const words = (text: string) => text.split(/[,，、/]+/).map((word) => word.trim()).filter(Boolean);
/** `价格/报价; 贵/太贵` → two groups; a group that keeps its terms keeps its options (countNegated). */
function parseGroups(previous: readonly TermGroup[] | undefined, text: string): TermGroup[] {
  return text
    .split(/[;；]/)
    .map(words)
    .filter((terms) => terms.length > 0)
    .map((terms) => previous?.find((group) => termsOf(group).join('/') === terms.join('/')) ?? terms);
}
const showGroups = (groups: readonly TermGroup[] | undefined) => (groups ?? []).map((group) => termsOf(group).join('/')).join('; ');

/**
 * @summary Which chat snippets become knowledge candidates: each rule's tag, the words that must (all of / any of / none of) occur within a window of messages, and whose messages count.
 *
 * Versioned like every console rule set: saved as a draft, then published.
 *
 * @tag huashu-capture-rules
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin.
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A draft was saved or published.
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the rule and field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart rule - One capture rule.
 * @csspart versions - The versions and their actions.
 * @csspart status - Announcements.
 * @csspart alert - An error message.
 */
export class HuashuCaptureRules extends RuleSetElement<Draft> {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...RuleSetElement.properties };

  protected readonly widget = 'capture-rules';
  protected readonly ruleSet = 'capture-rules' as const;

  protected empty(): Draft {
    return { rules: [], synonyms: [], context: { before: 2, after: 2 }, linkSimilarity: 0.75 };
  }

  private edit(change: () => void): void {
    change();
    this.touch();
  }

  private renderRule(rule: Rule, index: number, rules: Rule[]): TemplateResult {
    const text = (name: string, label: string, value: string, set: (value: string) => void) => html`<label class="field"><span class="label">${label}</span>
      <input class="control" name=${name} .value=${value} @change=${(e: Event) => this.edit(() => set((e.target as HTMLInputElement).value))} /></label>`;
    return html`<div part="rule" class="card" role="group" aria-label=${rule.tag}>
      <div class="row">
        ${text('capture-tag', this.at('capture.tag'), rule.tag, (value) => (rule.tag = value.trim()))}
        ${text('capture-any', this.at('capture.anyOf'), showGroups(rule.anyOf), (value) => {
          const groups = parseGroups(rule.anyOf, value);
          if (groups.length) rule.anyOf = groups;
          else delete rule.anyOf;
        })}
        ${text('capture-all', this.at('capture.allOf'), showGroups(rule.allOf), (value) => {
          const groups = parseGroups(rule.allOf, value);
          if (groups.length) rule.allOf = groups;
          else delete rule.allOf;
        })}
        ${text('capture-none', this.at('capture.noneOf'), (rule.noneOf ?? []).join(', '), (value) => {
          const list = words(value);
          if (list.length) rule.noneOf = list;
          else delete rule.noneOf;
        })}
      </div>
      <div class="row">
        <label class="field narrow"><span class="label">${this.at('capture.speaker')}</span>
          <select class="control" name="capture-speaker" @change=${(e: Event) => this.edit(() => (rule.speaker = (e.target as HTMLSelectElement).value as Rule['speaker']))}>
            ${SPEAKERS.map((speaker) => html`<option value=${speaker} ?selected=${(rule.speaker ?? 'customer') === speaker}>${this.at(`capture.speaker.${speaker}`)}</option>`)}
          </select></label>
        <label class="field narrow"><span class="label">${this.at('capture.window')}</span>
          <input class="control" name="capture-window" type="number" min="1" max="20" .value=${String(rule.window ?? DEFAULT_WINDOW)} @change=${(e: Event) => this.edit(() => (rule.window = Number((e.target as HTMLInputElement).value) || DEFAULT_WINDOW))} /></label>
        <button class="btn small text" aria-label=${`${this.at('remove')} ${rule.tag}`} @click=${() => this.edit(() => rules.splice(index, 1))}>${this.at('remove')}</button>
      </div>
    </div>`;
  }

  protected override render(): TemplateResult {
    const rules = this.draft?.rules ?? [];
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('capture.title')}</h3>
      ${this.renderStatus()}
      ${rules.map((rule, index) => this.renderRule(rule, index, rules))}
      <div class="row"><button class="btn" @click=${() => this.edit(() => {
        let n = rules.length + 1;
        while (rules.some((rule) => rule.id === `rule-${n}`)) n++;
        rules.push({ id: `rule-${n}`, tag: '', anyOf: [] });
      })}>${this.at('capture.addRule')}</button></div>
      ${this.renderVersions()}
    </section>`;
  }
}
