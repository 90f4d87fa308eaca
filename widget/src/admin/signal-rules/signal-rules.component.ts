import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { DryRunResponse, SignalRuleSet } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import { adminStyles } from '../internal/admin-styles.js';
import { RuleSetElement } from '../internal/rule-set-element.js';

type Draft = SignalRuleSet;
type Condition = NonNullable<SignalRuleSet['weights'][number]['where']>[number];
type Label = { zh: string; en: string };

/** The operators a condition offers (the core's CONDITION_OPS; listed here so the bundle carries no schema code). */
const OPS = ['eq', 'in', 'gte', 'lte', 'exists'] as const satisfies readonly Condition['op'][];
const UNITS = { M: 'minutes', H: 'hours', D: 'days' } as const;
type Unit = keyof typeof UNITS;
/** Days the dry-run looks back by default: a month of behaviour. */
const DEFAULT_DRY_RUN_DAYS = 30;

/** `PT10M` → 10 minutes, `P7D` → 7 days; anything else reads as days. */
function parseDuration(text: string): { amount: number; unit: Unit } {
  const match = /^P(?:(\d+)D|T(\d+)([HM]))$/.exec(text);
  if (!match) return { amount: 7, unit: 'D' };
  return match[1] ? { amount: Number(match[1]), unit: 'D' } : { amount: Number(match[2]), unit: match[3] as Unit };
}
const formatDuration = (amount: number, unit: Unit) => (unit === 'D' ? `P${amount}D` : `PT${amount}${unit}`);

/** A condition's value as typed: a list for `in`, numbers as numbers, nothing for `exists`. */
function parseValue(op: Condition['op'], text: string): Condition['value'] {
  const scalar = (part: string) => (part.trim() !== '' && Number.isFinite(Number(part)) ? Number(part) : part.trim());
  if (op === 'exists') return undefined;
  if (op === 'in') return text.split(/[,，]/).map(scalar).filter((value) => value !== '');
  return scalar(text);
}
const showValue = (value: Condition['value']) => (Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value));

/** A rule id from its position: ids only need to be stable within the set. */
const nextId = (prefix: string, taken: readonly { id: string }[]) => {
  let n = taken.length + 1;
  while (taken.some((rule) => rule.id === `${prefix}_${n}`)) n++;
  return `${prefix}_${n}`;
};

/**
 * @summary Intent-signal rules as forms — weights with conditions, in-order sequences, silences, thresholds and the half-life — with a dry-run over stored behaviour before anything is published or piloted.
 *
 * The dry-run shows how many leads each rule fires for and the score
 * distribution before and after. A draft can be piloted on a few reps (their
 * leads are scored by it) and compared with everyone else before publishing.
 *
 * @tag huashu-signal-rules
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin (a reviewer can dry-run).
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A dry-run ran (`what`: `dry-run`), a draft was saved, piloted or published.
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the rule and field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart rule - One rule's row of fields.
 * @csspart dry-run - The dry-run's results.
 * @csspart versions - The versions, the pilot form and the comparison.
 * @csspart status - Announcements.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Buttons, the "before" bars and focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-warning - The "after" bars and the pilot badge. Default `#9a6700`.
 */
export class HuashuSignalRules extends RuleSetElement<Draft> {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...RuleSetElement.properties, dryRun: { state: true }, dryRunDays: { state: true } };

  protected readonly widget = 'signal-rules';
  protected readonly ruleSet = 'signal-rules' as const;
  /** The last dry-run's result, for the form as it was then. */
  dryRun: DryRunResponse | undefined;
  private dryRunDays = DEFAULT_DRY_RUN_DAYS;

  protected empty(): Draft {
    return { halfLife: 'P7D', weights: [], sequences: [], silences: [], thresholds: [{ score: 70, event: 'lead.hot' }] };
  }

  /** English labels default to the Chinese ones: the form asks for one name, the schema wants both. */
  protected override toContent(draft: Draft): unknown {
    const fill = (label: Label) => ({ zh: label.zh, en: label.en.trim() || label.zh });
    return {
      ...draft,
      weights: draft.weights.map((rule) => ({ ...rule, label: fill(rule.label) })),
      sequences: draft.sequences.map((rule) => ({ ...rule, label: fill(rule.label) })),
      silences: draft.silences.map((rule) => ({ ...rule, label: fill(rule.label) })),
    };
  }

  private change(apply: () => void): void {
    apply();
    this.dryRun = undefined;
    this.touch();
  }

  private async runDryRun(): Promise<void> {
    if (!this.draft) return;
    const result = await this.run((api) => api.request<DryRunResponse>('POST', '/v1/signal-rules/dry-run', { rules: this.toContent(this.draft!), days: this.dryRunDays }), {
      what: 'dry-run',
      notice: this.at('signals.dryRunDone'),
    });
    if (result) this.dryRun = result;
  }

  private text(name: string, label: string, value: string, set: (value: string) => void, placeholder = ''): TemplateResult {
    return html`<label class="field"><span class="label">${label}</span>
      <input class="control" name=${name} .value=${value} placeholder=${placeholder} @change=${(e: Event) => this.change(() => set((e.target as HTMLInputElement).value.trim()))} /></label>`;
  }

  private number(name: string, label: string, value: number, set: (value: number) => void, step = '0.05'): TemplateResult {
    return html`<label class="field narrow"><span class="label">${label}</span>
      <input class="control" name=${name} type="number" step=${step} .value=${String(value)} @change=${(e: Event) => this.change(() => set(Number((e.target as HTMLInputElement).value)))} /></label>`;
  }

  private duration(name: string, label: string, value: string, set: (value: string) => void): TemplateResult {
    const { amount, unit } = parseDuration(value);
    return html`<div class="field narrow" role="group" aria-label=${label}><span class="label">${label}</span>
      <div class="row"><input class="control" name=${name} type="number" min="1" style="width:5em" aria-label=${label} .value=${String(amount)} @change=${(e: Event) =>
        this.change(() => set(formatDuration(Number((e.target as HTMLInputElement).value) || 1, unit)))} />
      <select class="control" name="${name}-unit" style="width:auto" aria-label=${this.at('signals.unit')} @change=${(e: Event) => this.change(() => set(formatDuration(amount, (e.target as HTMLSelectElement).value as Unit)))}>
        ${(Object.keys(UNITS) as Unit[]).map((key) => html`<option value=${key} ?selected=${key === unit}>${this.at(`signals.${UNITS[key]}`)}</option>`)}
      </select></div></div>`;
  }

  private conditions(where: Condition[] | undefined, set: (where: Condition[] | undefined) => void): TemplateResult {
    const list = where ?? [];
    return html`${list.map(
      (condition, index) => html`<div class="row">
        ${this.text('condition-property', this.at('signals.property'), condition.property, (value) => (condition.property = value), 'pageType')}
        <label class="field narrow"><span class="label">${this.at('signals.op')}</span>
          <select class="control" name="condition-op" @change=${(e: Event) => this.change(() => {
            condition.op = (e.target as HTMLSelectElement).value as Condition['op'];
            const value = parseValue(condition.op, showValue(condition.value));
            if (value === undefined) delete condition.value;
            else condition.value = value;
          })}>${OPS.map((op) => html`<option value=${op} ?selected=${op === condition.op}>${this.at(`signals.op.${op}`)}</option>`)}</select></label>
        ${condition.op === 'exists'
          ? nothing
          : this.text('condition-value', this.at('signals.value'), showValue(condition.value), (value) => (condition.value = parseValue(condition.op, value)), 'pricing')}
        <button class="btn small text" aria-label=${this.at('signals.removeCondition', { n: index + 1 })} @click=${() => this.change(() => {
          list.splice(index, 1);
          set(list.length ? list : undefined);
        })}>${this.at('remove')}</button>
      </div>`,
    )}
    <button class="btn small" name="add-condition" @click=${() => this.change(() => set([...list, { property: '', op: 'eq', value: '' }]))}>${this.at('signals.addCondition')}</button>`;
  }

  private renderWeights(draft: Draft): TemplateResult {
    return html`<details open class="card"><summary>${this.at('signals.weights')} (${draft.weights.length})</summary>
      ${draft.weights.map(
        (rule, index) => html`<div part="rule" class="card" role="group" aria-label=${rule.label.zh || this.at('signals.newRule')}>
          <div class="row">
            ${this.text('rule-label', this.at('signals.label'), rule.label.zh, (value) => (rule.label.zh = value), '主动索要POC环境')}
            ${this.text('rule-event', this.at('signals.event'), rule.event, (value) => (rule.event = value), 'poc_requested')}
            ${this.number('rule-weight', this.at('signals.weight'), rule.weight, (value) => (rule.weight = value))}
            <button class="btn small text" aria-label=${this.at('signals.removeRule', { name: rule.label.zh })} @click=${() => this.change(() => draft.weights.splice(index, 1))}>${this.at('remove')}</button>
          </div>
          ${this.conditions(rule.where, (where) => {
            if (where) rule.where = where;
            else delete rule.where;
          })}
        </div>`,
      )}
      <button class="btn" name="add-weight" @click=${() => this.change(() => draft.weights.push({ id: nextId('w', draft.weights), event: '', weight: 0.2, label: { zh: '', en: '' } }))}>${this.at('signals.addWeight')}</button>
    </details>`;
  }

  private renderSequences(draft: Draft): TemplateResult {
    return html`<details open class="card"><summary>${this.at('signals.sequences')} (${draft.sequences.length})</summary>
      ${draft.sequences.map(
        (rule, index) => html`<div part="rule" class="card row" role="group" aria-label=${rule.label.zh || this.at('signals.newRule')}>
          ${this.text('sequence-label', this.at('signals.label'), rule.label.zh, (value) => (rule.label.zh = value))}
          ${this.text('sequence-steps', this.at('signals.steps'), rule.steps.map((step) => step.event).join(' → '), (value) => {
            const names = value.split(/\s*(?:→|->|,|，)\s*/).filter(Boolean);
            // A step whose event is unchanged keeps its conditions and label.
            rule.steps = names.map((name, step) => (rule.steps[step]?.event === name ? rule.steps[step]! : { event: name }));
          }, 'pricing_dwell → poc_requested')}
          ${this.duration('sequence-within', this.at('signals.within'), rule.within, (value) => (rule.within = value))}
          ${this.number('sequence-weight', this.at('signals.weight'), rule.weight, (value) => (rule.weight = value))}
          <button class="btn small text" aria-label=${this.at('signals.removeRule', { name: rule.label.zh })} @click=${() => this.change(() => draft.sequences.splice(index, 1))}>${this.at('remove')}</button>
        </div>`,
      )}
      <button class="btn" name="add-sequence" @click=${() => this.change(() => draft.sequences.push({ id: nextId('seq', draft.sequences), steps: [], within: 'P2D', weight: 0.4, label: { zh: '', en: '' } }))}>${this.at('signals.addSequence')}</button>
    </details>`;
  }

  private renderSilences(draft: Draft): TemplateResult {
    return html`<details open class="card"><summary>${this.at('signals.silences')} (${draft.silences.length})</summary>
      ${draft.silences.map(
        (rule, index) => html`<div part="rule" class="card row" role="group" aria-label=${rule.label.zh || this.at('signals.newRule')}>
          ${this.text('silence-label', this.at('signals.label'), rule.label.zh, (value) => (rule.label.zh = value))}
          ${this.text('silence-after', this.at('signals.afterEvent'), rule.after.event, (value) => (rule.after = { ...rule.after, event: value }), 'trial_started')}
          ${this.text('silence-expect', this.at('signals.expect'), rule.expect.event, (value) => (rule.expect = { ...rule.expect, event: value }), 'feature_used')}
          ${this.duration('silence-within', this.at('signals.within'), rule.within, (value) => (rule.within = value))}
          ${this.number('silence-weight', this.at('signals.weight'), rule.weight, (value) => (rule.weight = value))}
          <button class="btn small text" aria-label=${this.at('signals.removeRule', { name: rule.label.zh })} @click=${() => this.change(() => draft.silences.splice(index, 1))}>${this.at('remove')}</button>
        </div>`,
      )}
      <button class="btn" name="add-silence" @click=${() => this.change(() => draft.silences.push({ id: nextId('silence', draft.silences), after: { event: '' }, expect: { event: '' }, within: 'P7D', weight: -0.3, label: { zh: '', en: '' } }))}>${this.at('signals.addSilence')}</button>
    </details>`;
  }

  private renderDryRun(result: DryRunResponse): TemplateResult {
    const { before, after } = result.distribution;
    const widest = Math.max(1, ...before.buckets.map((bucket) => bucket.leads), ...after.buckets.map((bucket) => bucket.leads));
    const width = (leads: number) => `width:${Math.round((leads / widest) * 120)}px`;
    return html`<section part="dry-run" class="card" aria-label=${this.at('signals.dryRun')}>
      <h4>${this.at('signals.dryRunSummary', { days: result.days, events: result.events, leads: result.leads })}</h4>
      <div class="scroll"><table>
        <thead><tr><th scope="col">${this.at('signals.rule')}</th><th scope="col">${this.at('signals.firesFor')}</th><th scope="col">${this.at('signals.signalsFired')}</th></tr></thead>
        <tbody>${result.rules.map((rule) => html`<tr><th scope="row">${this.i18n.locale === 'en' ? rule.label.en : rule.label.zh}</th><td>${rule.leads}</td><td>${rule.signals}</td></tr>`)}</tbody>
      </table></div>
      <div class="scroll"><table>
        <caption class="muted">${this.at('signals.distribution')}</caption>
        <thead><tr><th scope="col">${this.at('signals.bucket')}</th><th scope="col">${this.at('signals.before')}</th><th scope="col">${this.at('signals.after')}</th></tr></thead>
        <tbody>${before.buckets.map(
          (bucket, index) => html`<tr><th scope="row">${bucket.from}–${bucket.to}</th>
            <td><span class="bar" style=${width(bucket.leads)}></span> ${bucket.leads}</td>
            <td><span class="bar after" style=${width(after.buckets[index]?.leads ?? 0)}></span> ${after.buckets[index]?.leads ?? 0}</td></tr>`,
        )}
        <tr><th scope="row">${this.at('signals.mean')}</th><td>${before.mean}</td><td>${after.mean}</td></tr>
        <tr><th scope="row">P50 / P90</th><td>${before.p50} / ${before.p90}</td><td>${after.p50} / ${after.p90}</td></tr></tbody>
      </table></div>
    </section>`;
  }

  protected override render(): TemplateResult {
    const draft = this.draft;
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('signals.title')}</h3>
      ${this.renderStatus()}
      ${draft
        ? html`<div class="row">
              ${this.duration('half-life', this.at('signals.halfLife'), draft.halfLife, (value) => (draft.halfLife = value))}
              ${draft.thresholds.map((threshold) => this.number('threshold', this.at('signals.threshold', { event: threshold.event }), threshold.score, (value) => (threshold.score = value), '1'))}
            </div>
            ${this.renderWeights(draft)}${this.renderSequences(draft)}${this.renderSilences(draft)}
            <div class="row">
              <label class="field narrow"><span class="label">${this.at('signals.days.label')}</span>
                <input class="control" name="dry-run-days" type="number" min="1" max="90" .value=${String(this.dryRunDays)} @change=${(e: Event) => (this.dryRunDays = Number((e.target as HTMLInputElement).value) || DEFAULT_DRY_RUN_DAYS)} /></label>
              <button class="btn" name="dry-run" ?disabled=${this.busy} @click=${() => this.runDryRun()}>${this.at('signals.runDryRun')}</button>
            </div>
            ${this.dryRun ? this.renderDryRun(this.dryRun) : html`<p class="muted">${this.at('signals.dryRunFirst')}</p>`}
            ${this.renderVersions()}`
        : nothing}
    </section>`;
  }
}
