import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { HuashuApiError, type FieldIssue, type LeadCaptureInput, type LeadCaptureResponse } from '@huashu/sdk';
import { createLeadsClient, notConfigured, type LeadsClient } from '../../internal/clients.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import type { MessageKey } from '../../internal/i18n.js';
import { alertIcon, checkIcon } from '../../internal/icons.js';
import { randomKey } from '../../internal/ids.js';
import { baseStyles, formFooterStyles } from '../../internal/styles.js';
import { isChineseMobile, isEmail, isWechatId, normalizePhone } from '../../internal/validation.js';
import { leadFormStyles } from './lead-form.styles.js';

export const LEAD_FIELDS = ['name', 'phone', 'email', 'wechat', 'company', 'notes'] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];
const CONTACT_FIELDS: readonly LeadField[] = ['phone', 'email', 'wechat'];

interface FieldSpec {
  type: 'text' | 'tel' | 'email' | 'textarea';
  autocomplete: string;
  inputmode?: string;
  /** The server's column limits (`LeadInput` in @huashu/core; notes travel in `fields`, capped at 2000). */
  maxLength: number;
  placeholder?: MessageKey;
}

const SPECS: Record<LeadField, FieldSpec> = {
  name: { type: 'text', autocomplete: 'name', maxLength: 100 },
  phone: { type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxLength: 32, placeholder: 'lead.placeholder.phone' },
  email: { type: 'email', autocomplete: 'email', inputmode: 'email', maxLength: 254, placeholder: 'lead.placeholder.email' },
  wechat: { type: 'text', autocomplete: 'off', maxLength: 64, placeholder: 'lead.placeholder.wechat' },
  company: { type: 'text', autocomplete: 'organization', maxLength: 200 },
  notes: { type: 'textarea', autocomplete: 'off', maxLength: 2000, placeholder: 'lead.placeholder.notes' },
};

type ErrorKey = LeadField | 'consent';

/** Parses a comma list of field names, keeping the page's order and dropping unknown names with a warning that names them. */
function parseFieldList(value: string | null | undefined, attribute: string): LeadField[] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(LEAD_FIELDS as readonly string[]).includes(name));
  if (unknown.length) console.warn(`<huashu-lead-form ${attribute}>: unknown field(s) ${unknown.join(', ')}; known: ${LEAD_FIELDS.join(', ')}`);
  return [...new Set(names.filter((name): name is LeadField => !unknown.includes(name)))];
}

/**
 * @summary A lead form for a website or a CRM page: checks contact details as the visitor types and submits through the Huashu SDK.
 *
 * @tag huashu-lead-form
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} publishable-key - The tenant's publishable key (`pk_…`); safe in a public page.
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} fields - Comma list of fields to show, in order: `name`, `phone`, `email`, `wechat`, `company`, `notes`. Default `name,phone,company,notes`.
 * @attr {string} required - Comma list of fields that must be filled. Default `name`. At least one of phone, email or WeChat is always required (the server needs a way to call back).
 * @attr {string} source - Channel recorded on the lead, e.g. `website`, `crm-manual`. Default `website`.
 * @attr {string} campaign - Campaign recorded on the lead.
 * @attr {string} consent-text - When set, a checkbox with this text must be ticked before submitting; the lead records `consent: true`.
 *
 * @event {{ lead: Lead, created: boolean }} huashu-lead-submitted - The lead was stored; `created` is false when this submission had been stored before.
 * @event {{ error: HuashuApiError }} huashu-lead-error - Submitting failed; field problems are in `error.issues` and shown on the fields.
 *
 * @csspart base - The form element.
 * @csspart field - The wrapper of one field (label, control, message); also `field-<name>`.
 * @csspart label - A field's label.
 * @csspart input - A text input or textarea.
 * @csspart error - A field's error message.
 * @csspart consent - The consent checkbox row.
 * @csspart button - The submit and "submit another" buttons.
 * @csspart alert - The error summary shown after a failed submit.
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
 * @cssproperty --huashu-danger - Error colour. Default `#cf222e`.
 * @cssproperty --huashu-success - Success colour. Default `#1a7f37`.
 * @cssproperty --huashu-spacing - Gap between fields. Default `12px`.
 */
export class HuashuLeadForm extends HuashuElement {
  static override styles = [baseStyles, formFooterStyles, leadFormStyles];

  static override properties: PropertyDeclarations = {
    publishableKey: { type: String, attribute: 'publishable-key' },
    fields: { type: String },
    required: { type: String },
    source: { type: String },
    campaign: { type: String },
    consentText: { type: String, attribute: 'consent-text' },
    client: { attribute: false },
    values: { state: true },
    consented: { state: true },
    errors: { state: true },
    serverErrors: { state: true },
    formError: { state: true },
    submitting: { state: true },
    result: { state: true },
  };

  /** The tenant's publishable key (`pk_…`). */
  publishableKey = '';
  /** Comma list of fields to show, in order. */
  fields = 'name,phone,company,notes';
  /** Comma list of fields that must be filled. */
  required = 'name';
  /** Channel recorded on the lead. */
  source = 'website';
  /** Campaign recorded on the lead. */
  campaign = '';
  /** Consent checkbox label; no checkbox when empty. */
  consentText = '';
  /**
   * An SDK client (`createHuashu(...)`) to submit through instead of one made
   * from the attributes. Pass the page's own client so the lead is linked to the
   * visitor's browsing history.
   */
  client: LeadsClient | undefined;

  private values: Partial<Record<LeadField, string>> = {};
  private consented = false;
  /** Problems found by the checks below, recomputed as the visitor types. */
  private errors: Partial<Record<ErrorKey, string>> = {};
  /** Problems the server reported; each stays until its field is edited, since only a new submit can re-check it. */
  private serverErrors: Partial<Record<LeadField, string>> = {};
  private formError = '';
  private submitting = false;
  private result: LeadCaptureResponse | undefined;
  /** Fields the visitor has left once: from then on they are checked on every keystroke. */
  private touched = new Set<LeadField>();
  private submitAttempted = false;
  /**
   * One key per filled-in form, kept across failed attempts: when a response is
   * lost and the visitor presses submit again, the server returns the lead it
   * already stored instead of creating a second one. A new key after success.
   */
  private idempotencyKey: string | undefined;
  private ownClient: { endpoint: string; key: string; client: ReturnType<typeof createLeadsClient> } | undefined;
  private fieldList: LeadField[] = [];
  private requiredList: LeadField[] = [];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ownClient?.client.destroy();
    this.ownClient = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('fields')) this.fieldList = parseFieldList(this.fields, 'fields');
    if (changed.has('required')) this.requiredList = parseFieldList(this.required, 'required');
  }

  /** Clears the form (and a success message) for another lead. */
  reset(): void {
    this.values = {};
    this.consented = false;
    this.errors = {};
    this.serverErrors = {};
    this.formError = '';
    this.result = undefined;
    this.touched.clear();
    this.submitAttempted = false;
    this.idempotencyKey = undefined;
  }

  private resolveClient(): LeadsClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.publishableKey) return undefined;
    if (this.ownClient?.endpoint !== this.endpoint || this.ownClient.key !== this.publishableKey) {
      this.ownClient?.client.destroy();
      this.ownClient = { endpoint: this.endpoint, key: this.publishableKey, client: createLeadsClient(this.endpoint, this.publishableKey) };
    }
    return this.ownClient.client;
  }

  private label(field: LeadField): string {
    return this.t(`lead.field.${field}`);
  }

  /** The problem with one field's current value, or '' — the same rules on every keystroke and on submit. */
  private check(field: LeadField): string {
    const value = (this.values[field] ?? '').trim();
    if (!value) {
      if (this.requiredList.includes(field)) return this.t('lead.error.required', { field: this.label(field) });
      return '';
    }
    if (value.length > SPECS[field].maxLength) return this.t('lead.error.tooLong');
    if (field === 'phone' && !isChineseMobile(value)) return this.t('lead.error.phone');
    if (field === 'email' && !isEmail(value)) return this.t('lead.error.email');
    if (field === 'wechat' && !isWechatId(value)) return this.t('lead.error.wechat');
    return '';
  }

  /** Every problem of the form as it stands, keyed by the field to show it on. */
  private checkAll(): Partial<Record<ErrorKey, string>> {
    const errors: Partial<Record<ErrorKey, string>> = {};
    for (const field of this.fieldList) {
      const message = this.check(field);
      if (message) errors[field] = message;
    }
    const contacts = this.fieldList.filter((field) => CONTACT_FIELDS.includes(field));
    const anyContact = contacts.some((field) => (this.values[field] ?? '').trim());
    // Shown on the first contact field, the natural place to fix it; a form without contact fields gets the server's verdict.
    if (contacts.length && !anyContact) errors[contacts[0]!] ??= this.t('lead.error.contact');
    if (this.consentText && !this.consented) errors.consent = this.t('lead.error.consent');
    return errors;
  }

  private onInput(field: LeadField, event: Event): void {
    this.values = { ...this.values, [field]: (event.target as HTMLInputElement).value };
    if (this.serverErrors[field]) {
      const { [field]: _edited, ...rest } = this.serverErrors;
      this.serverErrors = rest;
    }
    // Reward early, punish late: a field that already shows an error is re-checked on every keystroke
    // so the message goes away the moment it is fixed; a fresh field waits until it is left.
    if (this.submitAttempted) this.errors = this.checkAll();
    else if (this.touched.has(field) || this.errors[field]) this.setFieldError(field, this.check(field));
  }

  private onBlur(field: LeadField): void {
    if (!(this.values[field] ?? '').trim() && !this.submitAttempted) return;
    this.touched.add(field);
    this.setFieldError(field, this.check(field));
  }

  private setFieldError(field: ErrorKey, message: string): void {
    if ((this.errors[field] ?? '') === message) return;
    const errors = { ...this.errors };
    if (message) errors[field] = message;
    else delete errors[field];
    this.errors = errors;
  }

  private onConsent(event: Event): void {
    this.consented = (event.target as HTMLInputElement).checked;
    if (this.consented || this.submitAttempted) this.setFieldError('consent', this.consented ? '' : this.t('lead.error.consent'));
  }

  private async onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.submitting) return;
    this.submitAttempted = true;
    this.serverErrors = {};
    this.errors = this.checkAll();
    if (Object.keys(this.errors).length) {
      this.formError = this.t('lead.error.fix');
      await this.focusFirstInvalid();
      return;
    }
    const client = this.resolveClient();
    if (!client) {
      this.fail(notConfigured('publishable-key'), this.t('common.notConfigured', { credential: 'publishable-key' }));
      return;
    }
    this.idempotencyKey ??= randomKey();
    this.formError = '';
    this.submitting = true;
    try {
      const result = await client.leads.capture(this.payload());
      this.result = result;
      this.idempotencyKey = undefined;
      emit(this, 'huashu-lead-submitted', { lead: result.lead, created: result.created });
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[part~="success"]')?.focus();
    } catch (thrown) {
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.applyIssues(error.issues);
      const onFields = error.issues.some((issue) => this.fieldForIssue(issue));
      this.fail(error, onFields ? this.t('lead.error.fix') : this.describeError(error));
      if (onFields) await this.focusFirstInvalid();
    } finally {
      this.submitting = false;
    }
  }

  private fail(error: HuashuApiError, message: string): void {
    this.formError = message;
    emit(this, 'huashu-lead-error', { error });
  }

  private payload(): LeadCaptureInput {
    const shown = new Set(this.fieldList);
    const value = (field: LeadField) => (shown.has(field) ? this.values[field]?.trim() || undefined : undefined);
    const phone = value('phone');
    const notes = value('notes');
    return {
      idempotencyKey: this.idempotencyKey,
      source: this.source || 'website',
      campaign: this.campaign || undefined,
      name: value('name'),
      phone: phone && normalizePhone(phone),
      email: value('email'),
      wechat: value('wechat'),
      company: value('company'),
      consent: this.consentText ? this.consented : undefined,
      fields: notes ? { notes } : undefined,
      page: location.href,
    };
  }

  /** `phone`, `email`… name fields directly; notes travel as `fields.notes`. */
  private fieldForIssue(issue: FieldIssue): LeadField | undefined {
    const name = issue.path === 'fields.notes' ? 'notes' : issue.path;
    return this.fieldList.find((field) => field === name);
  }

  /** Puts the server's field problems on the fields, in the page's language where the field's rule is known. */
  private applyIssues(issues: readonly FieldIssue[]): void {
    const errors: Partial<Record<LeadField, string>> = {};
    for (const issue of issues) {
      const field = this.fieldForIssue(issue);
      if (!field) continue;
      const sentEmpty = !(this.values[field] ?? '').trim();
      const known: Partial<Record<LeadField, MessageKey>> = { phone: 'lead.error.phone', email: 'lead.error.email', wechat: 'lead.error.wechat' };
      // An issue on a contact field left empty is the server's "one contact method" rule.
      const key = sentEmpty && CONTACT_FIELDS.includes(field) ? 'lead.error.contact' : known[field];
      errors[field] ??= key ? this.t(key) : this.t('lead.error.server', { field: this.label(field), message: issue.message });
    }
    this.serverErrors = errors;
  }

  private async focusFirstInvalid(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }

  private renderField(field: LeadField): TemplateResult {
    const spec = SPECS[field];
    const error = this.errors[field] || this.serverErrors[field] || '';
    const required = this.requiredList.includes(field);
    const shared = {
      id: `field-${field}`,
      invalid: error ? 'true' : 'false',
      placeholder: spec.placeholder ? this.t(spec.placeholder) : '',
    };
    const control =
      spec.type === 'textarea'
        ? html`<textarea
            part="input"
            class="control"
            id=${shared.id}
            name=${field}
            rows="3"
            maxlength=${spec.maxLength}
            placeholder=${shared.placeholder}
            aria-invalid=${shared.invalid}
            aria-required=${required ? 'true' : 'false'}
            aria-describedby="error-${field}"
            .value=${live(this.values[field] ?? '')}
            @input=${(event: Event) => this.onInput(field, event)}
            @blur=${() => this.onBlur(field)}
          ></textarea>`
        : html`<input
            part="input"
            class="control"
            id=${shared.id}
            name=${field}
            type=${spec.type}
            inputmode=${spec.inputmode ?? nothing}
            autocomplete=${spec.autocomplete}
            autocapitalize=${field === 'wechat' || field === 'email' ? 'off' : nothing}
            spellcheck=${field === 'wechat' || field === 'email' ? 'false' : nothing}
            maxlength=${spec.maxLength}
            placeholder=${shared.placeholder}
            aria-invalid=${shared.invalid}
            aria-required=${required ? 'true' : 'false'}
            aria-describedby="error-${field}"
            .value=${live(this.values[field] ?? '')}
            @input=${(event: Event) => this.onInput(field, event)}
            @blur=${() => this.onBlur(field)}
          />`;
    return html`<div class="field ${field === 'notes' ? 'wide' : ''}" part="field field-${field}">
      <label part="label" class="label" for=${shared.id}>${this.label(field)}${required ? html`<span class="required" aria-hidden="true">*</span>` : nothing}</label>
      ${control}
      <div part="error" class="error" id="error-${field}" aria-live="polite">${error}</div>
    </div>`;
  }

  private renderSuccess(result: LeadCaptureResponse): TemplateResult {
    // Joining someone's existing lead reads as a plain success: the visitor learns nothing about that lead.
    return html`<div part="base success" class="success" role="status" tabindex="-1">
      ${checkIcon}
      <div class="success-body">
        <p class="success-title">${this.t(result.created || result.merged ? 'lead.success.created' : 'lead.success.existing')}</p>
        <button part="button" class="btn small" type="button" @click=${this.onAgain}>${this.t('lead.again')}</button>
      </div>
    </div>`;
  }

  private onAgain = async (): Promise<void> => {
    this.reset();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.control')?.focus();
  };

  protected override render(): TemplateResult {
    if (this.result) return this.renderSuccess(this.result);
    const consentError = this.errors.consent ?? '';
    return html`<form part="base" novalidate @submit=${this.onSubmit} aria-busy=${this.submitting ? 'true' : 'false'}>
      <div class="grid">${this.fieldList.map((field) => this.renderField(field))}</div>
      ${this.consentText
        ? html`<div class="consent" part="consent">
            <label class="consent-label">
              <input
                type="checkbox"
                name="consent"
                .checked=${live(this.consented)}
                aria-invalid=${consentError ? 'true' : 'false'}
                aria-required="true"
                aria-describedby="error-consent"
                @change=${this.onConsent}
              />
              <span>${this.consentText}</span>
            </label>
            <div part="error" class="error" id="error-consent" aria-live="polite">${consentError}</div>
          </div>`
        : nothing}
      <div class="alert error" part="alert" role="alert" ?hidden=${!this.formError}>${this.formError ? html`${alertIcon}<span>${this.formError}</span>` : nothing}</div>
      <div class="actions">
        <button part="button" class="btn primary" type="submit" ?disabled=${this.submitting}>
          ${this.submitting ? html`<span class="spinner" aria-hidden="true"></span>${this.t('lead.submitting')}` : this.t('lead.submit')}
        </button>
      </div>
    </form>`;
  }
}
