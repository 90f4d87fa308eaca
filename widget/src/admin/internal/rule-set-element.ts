import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { AuditEntry, ConsoleRuleSet, PilotComparison, RuleVersion, RuleVersionList } from '@huashu/core';
import type { AdminClient } from './admin-client.js';
import { AdminElement } from './admin-element.js';

const DAY_MS = 24 * 3600_000;
/** A pilot's default length: two weeks, as the issue's director tries a change. */
const DEFAULT_PILOT_DAYS = 14;
/** Changes listed under the versions; the full log is `GET /v1/console/audit`. */
const AUDIT_SHOWN = 10;
/** Paths shown per change before "…": the log keeps up to 50. */
const PATHS_SHOWN = 3;
const percent = (value: number | null) => (value === null ? '–' : `${Math.round(value * 1000) / 10}%`);

/**
 * A console widget over one versioned rule set: it edits a working copy
 * (`draft`), saves it as a draft version, and pilots, publishes or discards
 * versions; the version table shows each one's status and the pilot's
 * comparison with everyone else.
 */
export abstract class RuleSetElement<Content> extends AdminElement {
  static override properties: PropertyDeclarations = {
    ...AdminElement.properties,
    list: { state: true },
    draft: { state: true },
    comparison: { state: true },
    pilotReps: { state: true },
    pilotDays: { state: true },
    audit: { state: true },
  };

  protected abstract readonly ruleSet: ConsoleRuleSet;
  /** The working copy shown in the form, built from a draft version or the live rules. */
  protected draft: Content | undefined;
  protected list: RuleVersionList | undefined;
  protected comparison: PilotComparison | undefined;
  protected pilotReps = '';
  protected pilotDays = DEFAULT_PILOT_DAYS;
  /** The rule set's latest changes: who, when, what. */
  protected audit: AuditEntry[] = [];

  /** The form's starting point when nothing was ever configured. */
  protected abstract empty(): Content;
  /** The working copy as the domain's JSON (what the server validates). */
  protected toContent(draft: Content): unknown {
    return draft;
  }
  protected fromContent(content: unknown): Content {
    return structuredClone(content) as Content;
  }

  /** The newest draft version, which "save" updates instead of adding another. */
  protected get openDraft(): RuleVersion | undefined {
    return this.list?.versions.find((version) => version.status === 'draft');
  }
  protected get pilot(): RuleVersion | undefined {
    return this.list?.versions.find((version) => version.status === 'pilot');
  }

  protected override async load(api: AdminClient): Promise<void> {
    this.list = await api.request<RuleVersionList>('GET', `/v1/console/rule-sets/${this.ruleSet}/versions`);
    const start = this.openDraft?.content ?? this.list.live;
    this.draft = start ? this.fromContent(start) : this.empty();
    this.audit = (await api.request<{ entries: AuditEntry[] }>('GET', `/v1/console/audit?ruleSet=${this.ruleSet}&limit=${AUDIT_SHOWN}`)).entries;
    const pilot = this.pilot;
    this.comparison = pilot ? await api.request<PilotComparison>('GET', `/v1/console/rule-sets/${this.ruleSet}/versions/${pilot.version}/comparison`).catch(() => undefined) : undefined;
  }

  /** Re-renders after an in-place edit of the working copy. */
  protected touch(): void {
    this.requestUpdate('draft');
  }

  protected async saveDraft(): Promise<RuleVersion | undefined> {
    if (!this.draft) return undefined;
    const content = this.toContent(this.draft);
    const open = this.openDraft;
    const saved = await this.run(
      (api) =>
        open
          ? api.request<RuleVersion>('PUT', `/v1/console/rule-sets/${this.ruleSet}/versions/${open.version}`, { content })
          : api.request<RuleVersion>('POST', `/v1/console/rule-sets/${this.ruleSet}/versions`, { content }),
      { what: 'draft', notice: this.at('rules.saved') },
    );
    if (saved) await this.refreshList();
    return saved;
  }

  private async refreshList(): Promise<void> {
    const api = this.api;
    if (!api) return;
    this.list = await api.request<RuleVersionList>('GET', `/v1/console/rule-sets/${this.ruleSet}/versions`);
    this.audit = (await api.request<{ entries: AuditEntry[] }>('GET', `/v1/console/audit?ruleSet=${this.ruleSet}&limit=${AUDIT_SHOWN}`)).entries;
  }

  protected async act(version: number, action: 'publish' | 'discard' | 'pilot', body?: unknown): Promise<void> {
    const notice = this.at(action === 'publish' ? 'rules.published' : action === 'pilot' ? 'rules.piloted' : 'rules.discarded', { version });
    const done = await this.run((api) => api.request<RuleVersion>('POST', `/v1/console/rule-sets/${this.ruleSet}/versions/${version}/${action}`, body), { what: action, notice });
    if (done) await this.run((api) => this.load(api));
    if (done) this.notice = notice;
  }

  /** Saves the working copy, then publishes it to everyone (or pilots it). */
  protected async saveAnd(action: 'publish' | 'pilot'): Promise<void> {
    const saved = await this.saveDraft();
    if (!saved) return;
    if (action === 'publish') return this.act(saved.version, 'publish');
    const repIds = this.pilotReps.split(/[\s,，、]+/).filter(Boolean);
    await this.act(saved.version, 'pilot', { repIds, until: new Date(Date.now() + this.pilotDays * DAY_MS).toISOString() });
  }

  private statusLabel(version: RuleVersion): string {
    return this.at(`status.${version.status}`);
  }

  private renderAudit(): TemplateResult {
    return html`<details part="audit"><summary>${this.at('rules.audit')}</summary>
      <ol class="muted">${this.audit.map(
        (entry) => html`<li>${new Date(entry.at).toLocaleString(this.i18n.locale)} · ${entry.actor} · ${this.at(`audit.${entry.action}`)}${entry.version === null ? '' : ` v${entry.version}`}${
          entry.changes.length ? ` · ${entry.changes.slice(0, PATHS_SHOWN).map((change) => change.path).join(', ')}${entry.changes.length > PATHS_SHOWN ? ' …' : ''}` : ''
        }</li>`,
      )}</ol></details>`;
  }

  private renderComparison(comparison: PilotComparison): TemplateResult {
    const row = (label: string, group: PilotComparison['pilot']) =>
      html`<tr><th scope="row">${label}</th><td>${group.reps}</td><td>${group.deals}</td><td>${percent(group.leadNurturing)}</td><td>${percent(group.progressCompliance)}</td><td>${group.customerTrust === null ? '–' : group.customerTrust.toFixed(2)}</td></tr>`;
    return html`<div class="scroll" part="comparison"><table>
      <caption class="muted">${this.at('rules.comparison', { from: comparison.from.slice(0, 10), to: comparison.to.slice(0, 10) })}</caption>
      <thead><tr><th scope="col"></th><th scope="col">${this.at('rules.reps')}</th><th scope="col">${this.at('rules.deals')}</th><th scope="col">${this.t('health.metric.leadNurturing')}</th><th scope="col">${this.t('health.metric.progressCompliance')}</th><th scope="col">${this.t('health.metric.customerTrust')}</th></tr></thead>
      <tbody>${row(this.at('rules.pilotGroup'), comparison.pilot)}${row(this.at('rules.restGroup'), comparison.rest)}</tbody>
    </table>${comparison.intent
      ? html`<p class="muted">${this.at('rules.intent', {
          pilot: comparison.intent.pilot.mean ?? '–',
          pilotLeads: comparison.intent.pilot.leads,
          rest: comparison.intent.rest.mean ?? '–',
          restLeads: comparison.intent.rest.leads,
        })}</p>`
      : nothing}${comparison.points
      ? html`<p class="muted">${this.at('rules.points', { pilot: comparison.points.pilot.perRep ?? '–', rest: comparison.points.rest.perRep ?? '–' })}</p>`
      : nothing}${comparison.captures
      ? html`<p class="muted">${this.at('rules.captures', {
          pilot: comparison.captures.pilot.snippetsPerRep ?? '–',
          pilotCandidates: comparison.captures.pilot.candidatesPerRep ?? '–',
          rest: comparison.captures.rest.snippetsPerRep ?? '–',
          restCandidates: comparison.captures.rest.candidatesPerRep ?? '–',
        })}</p>`
      : nothing}</div>`;
  }

  /** Save / pilot / publish for the working copy, then every version with its status. */
  protected renderVersions(): TemplateResult {
    const list = this.list;
    const pilotable = list?.pilotable ?? false;
    return html`<section part="versions" class="card" aria-label=${this.at('rules.versions')}>
      <div class="row">
        <button class="btn" part="save" ?disabled=${this.busy} @click=${() => this.saveDraft()}>${this.at('rules.saveDraft')}</button>
        <button class="btn primary" part="publish" ?disabled=${this.busy} @click=${() => this.saveAnd('publish')}>${this.at('rules.publishAll')}</button>
      </div>
      ${pilotable
        ? html`<div class="row" part="pilot-form">
            <label class="field"><span class="label">${this.at('rules.pilotReps')}</span>
              <input class="control" name="pilotReps" .value=${this.pilotReps} placeholder="demo-rep-01, demo-rep-02" @input=${(e: Event) => (this.pilotReps = (e.target as HTMLInputElement).value)} /></label>
            <label class="field narrow"><span class="label">${this.at('rules.pilotDays')}</span>
              <input class="control" name="pilotDays" type="number" min="1" max="92" .value=${String(this.pilotDays)} @input=${(e: Event) => (this.pilotDays = Number((e.target as HTMLInputElement).value) || DEFAULT_PILOT_DAYS)} /></label>
            <button class="btn" part="start-pilot" ?disabled=${this.busy || !!this.pilot || !this.pilotReps.trim()} @click=${() => this.saveAnd('pilot')}>${this.at('rules.startPilot')}</button>
          </div>`
        : html`<p class="muted">${this.at('rules.notPilotable')}</p>`}
      ${this.comparison ? this.renderComparison(this.comparison) : nothing}
      ${list && list.versions.length > 0
        ? html`<div class="scroll"><table part="version-table">
            <caption class="visually-hidden">${this.at('rules.versions')}</caption>
            <thead><tr><th scope="col">${this.at('rules.version')}</th><th scope="col">${this.at('rules.status')}</th><th scope="col">${this.at('rules.by')}</th><th scope="col">${this.at('rules.note')}</th><th scope="col"><span class="visually-hidden">${this.at('rules.actions')}</span></th></tr></thead>
            <tbody>${list.versions.map(
              (version) => html`<tr>
                <td>v${version.version}</td>
                <td><span class="badge ${version.status}">${this.statusLabel(version)}</span>${version.pilot
                  ? html`<div class="muted">${this.at('rules.pilotOf', { reps: version.pilot.repIds.join('、'), until: version.pilot.until.slice(0, 10) })}</div>`
                  : nothing}</td>
                <td>${version.createdBy}</td>
                <td>${version.note ?? ''}</td>
                <td>${version.status === 'draft' || version.status === 'pilot'
                  ? html`<button class="btn small" ?disabled=${this.busy} @click=${() => this.act(version.version, 'publish')} aria-label=${this.at('rules.publishVersion', { version: version.version })}>${this.at('rules.publish')}</button>
                      <button class="btn small text" ?disabled=${this.busy} @click=${() => this.act(version.version, 'discard')} aria-label=${this.at('rules.discardVersion', { version: version.version })}>${this.at('rules.discard')}</button>`
                  : nothing}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
        : html`<p class="muted">${this.at('rules.noVersions')}</p>`}
      ${this.audit.length ? this.renderAudit() : nothing}
    </section>`;
  }
}
