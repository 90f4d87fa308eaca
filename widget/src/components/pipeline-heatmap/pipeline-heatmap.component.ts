import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { HuashuApiError } from '@huashu/sdk';
import type { PipelineGroupBy, StageStat, StageStatsResponse } from '@huashu/core';
import { notConfigured } from '../../internal/clients.js';
import { emit } from '../../internal/events.js';
import { HuashuElement } from '../../internal/huashu-element.js';
import { alertIcon } from '../../internal/icons.js';
import { PipelineClientCache, type PipelineReadClient } from '../../internal/pipeline-client.js';
import { baseStyles } from '../../internal/styles.js';
import { pipelineHeatmapStyles } from './pipeline-heatmap.styles.js';

/** What the heatmap needs of a client. */
export type PipelineHeatmapClient = Pick<PipelineReadClient, 'stageStats'>;

const GROUPS: readonly PipelineGroupBy[] = ['region', 'industry', 'productLine', 'team', 'owner'];
/** The server's heatmap.svg uses the same six steps (ColorBrewer OrRd): light = quick, dark = slow. */
const LEVELS = 6;
/** From this level on the cell is dark enough to need light text. */
const DARK_FROM_LEVEL = 4;

type Phase = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * @summary The bottleneck heatmap: pipeline stages × groups (region, industry, product line, team), each cell coloured by the average working days deals spend in that stage.
 *
 * Every cell shows its average as text; hovering or focusing it shows the
 * p90, calendar days, deals, blocking rate, escalations and backward moves,
 * which screen readers read from the cell itself.
 *
 * @tag huashu-pipeline-heatmap
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token minted by the CRM's backend (a reviewer or admin token sees the whole tenant).
 * @attr {string} lang - `zh-CN` (default) or `en`; otherwise the nearest `lang` attribute or `<html lang>` applies.
 * @attr {string} group-by - `region` (default), `industry`, `productLine`, `team` or `owner`; the rep can change it.
 * @attr {string} since - Stays that began on or after this date (`YYYY-MM-DD`, Beijing time) or date-time.
 * @attr {string} until - Stays that began before this date or date-time.
 *
 * @event {{ stats: StageStatsResponse }} huashu-heatmap-loaded - The heatmap shows these statistics.
 * @event {{ error: HuashuApiError }} huashu-heatmap-error - The statistics could not be loaded.
 *
 * @csspart base - The wrapper of everything.
 * @csspart toolbar - The grouping selector.
 * @csspart table - The heatmap table.
 * @csspart cell - One stage × group cell; `cell-level-0` … `cell-level-5` by colour step, `cell-empty` without data.
 * @csspart detail - The line showing the hovered or focused cell's figures.
 * @csspart legend - The colour legend.
 * @csspart empty - The message when there is no data yet.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Focus rings. Default `#1f6feb`.
 * @cssproperty --huashu-font-family - Font; inherited from the page when unset.
 * @cssproperty --huashu-font-size - Base font size. Default `14px`.
 * @cssproperty --huashu-radius - Corner radius. Default `8px`.
 * @cssproperty --huashu-text-color - Text colour. Default `#1f2328`.
 * @cssproperty --huashu-muted-color - Secondary text colour. Default `#59636e`.
 * @cssproperty --huashu-border-color - Borders. Default `#d1d9e0`.
 * @cssproperty --huashu-surface - Background. Default `#ffffff`.
 * @cssproperty --huashu-danger - Error colour. Default `#cf222e`.
 * @cssproperty --huashu-spacing - Gaps. Default `12px`.
 */
export class HuashuPipelineHeatmap extends HuashuElement {
  static override styles = [baseStyles, pipelineHeatmapStyles];

  static override properties: PropertyDeclarations = {
    token: { type: String },
    groupBy: { type: String, attribute: 'group-by' },
    since: { type: String },
    until: { type: String },
    client: { attribute: false },
    stats: { state: true },
    phase: { state: true },
    active: { state: true },
    errorMessage: { state: true },
  };

  /** A rep token minted by the CRM's backend. */
  token = '';
  /** What the columns are: `region`, `industry`, `productLine`, `team` or `owner`. */
  groupBy: PipelineGroupBy = 'region';
  /** Stays that began on or after this date. */
  since = '';
  /** Stays that began before this date. */
  until = '';
  /** A client to use instead of one made from `endpoint` and `token`. */
  client: PipelineHeatmapClient | undefined;

  /** The statistics shown; undefined before they load. */
  stats: StageStatsResponse | undefined;
  private phase: Phase = 'idle';
  /** The cell under the pointer or the focus. */
  private active: { stage: string; group: string | null } | undefined;
  private errorMessage = '';
  private readonly clients = new PipelineClientCache();
  private loadSerial = 0;

  private resolveClient(): PipelineHeatmapClient | undefined {
    if (this.client) return this.client;
    if (!this.endpoint || !this.token) return undefined;
    return this.clients.get(this.endpoint, () => this.token);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const inputs = ['endpoint', 'groupBy', 'since', 'until', 'client'] as const;
    if (inputs.some((name) => changed.has(name)) || (this.phase === 'idle' && changed.has('token'))) void this.load();
  }

  /** Loads the statistics again (e.g. after the CRM sent new events). */
  async reload(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<void> {
    const client = this.resolveClient();
    if (!client) {
      if (this.endpoint || this.token) this.fail(notConfigured('token'), this.t('common.notConfigured', { credential: 'token' }));
      return;
    }
    const serial = ++this.loadSerial;
    this.phase = 'loading';
    this.errorMessage = '';
    try {
      const stats = await client.stageStats({
        groupBy: GROUPS.includes(this.groupBy) ? this.groupBy : 'region',
        ...(this.since ? { from: this.since } : {}),
        ...(this.until ? { to: this.until } : {}),
      });
      if (serial !== this.loadSerial) return;
      this.stats = stats;
      this.phase = 'ready';
      emit(this, 'huashu-heatmap-loaded', { stats });
    } catch (thrown) {
      if (serial !== this.loadSerial) return;
      const error = thrown instanceof HuashuApiError ? thrown : new HuashuApiError('unexpected', String(thrown), { cause: thrown });
      this.phase = 'failed';
      this.fail(error, this.describeError(error));
    }
  }

  private fail(error: HuashuApiError, message: string): void {
    this.errorMessage = message;
    emit(this, 'huashu-heatmap-error', { error });
  }

  private stageName(key: string): string {
    const stage = this.stats?.stages.find((candidate) => candidate.key === key);
    return (this.i18n.locale === 'en' ? stage?.nameEn : undefined) ?? stage?.name ?? key;
  }

  private groupName(group: string | null): string {
    if (group === null) return this.t('heatmap.none');
    return this.stats?.groupBy === null ? this.t('heatmap.all') : group;
  }

  private describe(stage: string, group: string | null, stat: StageStat | undefined): string {
    const names = { stage: this.stageName(stage), group: this.groupName(group) };
    if (!stat) return this.t('heatmap.noData', names);
    const dash = (value: number | null) => (value === null ? '–' : String(value));
    return this.t('heatmap.cell', {
      ...names,
      avg: dash(stat.avgWorkingDays),
      p90: dash(stat.p90WorkingDays),
      calendar: dash(stat.avgCalendarDays),
      deals: stat.deals,
      blocking: stat.blockingRate === null ? '–' : `${Math.round(stat.blockingRate * 100)}%`,
      escalations: stat.escalations,
      backward: stat.backwardMoves,
    });
  }

  private renderTable(stats: StageStatsResponse): TemplateResult {
    // JSON keeps a group named "null" apart from a group not reported.
    const keyOf = (stage: string, group: string | null) => JSON.stringify([stage, group]);
    const cells = new Map(stats.stats.map((stat) => [keyOf(stat.stage, stat.group), stat]));
    // Terminal stages (won, lost) are where deals end, not where they wait.
    const stages = stats.stages.filter((stage) => !stage.terminal && stats.stats.some((stat) => stat.stage === stage.key)).map((stage) => stage.key);
    const max = Math.max(0, ...stats.stats.map((stat) => stat.avgWorkingDays ?? 0));
    const level = (value: number) => (max > 0 ? Math.min(LEVELS - 1, Math.floor((value / max) * LEVELS)) : 0);
    const active = this.active;
    return html`<div class="scroll">
        <table part="table" class="grid">
          <caption class="caption">${this.t('heatmap.caption')}</caption>
          <thead>
            <tr>
              <th scope="col" class="corner">${this.t('heatmap.stage')}</th>
              ${stats.groups.map((group) => html`<th scope="col">${this.groupName(group)}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${stages.map(
              (stage) => html`<tr>
                <th scope="row">${this.stageName(stage)}</th>
                ${stats.groups.map((group) => {
                  const stat = cells.get(keyOf(stage, group));
                  const value = stat?.avgWorkingDays ?? null;
                  const step = value === null ? -1 : level(value);
                  const label = this.describe(stage, group, stat);
                  const hover = () => (this.active = { stage, group });
                  return html`<td
                    part="cell ${step < 0 ? 'cell-empty' : `cell-level-${step}`}"
                    class="cell ${step < 0 ? 'empty' : `l${step}`} ${step >= DARK_FROM_LEVEL ? 'dark' : ''}"
                    tabindex="0"
                    title=${label}
                    @mouseenter=${hover}
                    @focus=${hover}
                  >
                    <span aria-hidden="true">${value === null ? '–' : value.toFixed(1)}</span><span class="visually-hidden">${label}</span>
                  </td>`;
                })}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p part="detail" class="detail" aria-hidden="true">${active ? this.describe(active.stage, active.group, cells.get(keyOf(active.stage, active.group))) : ''}</p>
      <div part="legend" class="legend" aria-hidden="true">
        ${Array.from({ length: LEVELS }, (_, step) => html`<span class="swatch l${step}"></span>`)}
        <span>${this.t('heatmap.legend', { max: Math.round(max * 10) / 10 })}</span>
      </div>`;
  }

  protected override render(): TemplateResult {
    const stats = this.stats;
    return html`<section part="base" class="heatmap" aria-label=${this.t('heatmap.label')} aria-busy=${this.phase === 'loading' ? 'true' : 'false'}>
      <div part="toolbar" class="toolbar">
        <label class="label" for="group-by">${this.t('heatmap.groupBy')}</label>
        <select
          id="group-by"
          class="control"
          .value=${this.groupBy}
          @change=${(event: Event) => (this.groupBy = (event.target as HTMLSelectElement).value as PipelineGroupBy)}
        >
          ${GROUPS.map((group) => html`<option value=${group} ?selected=${group === this.groupBy}>${this.t(`heatmap.group.${group}`)}</option>`)}
        </select>
        ${this.phase === 'loading' ? html`<span class="status" role="status">${this.t('heatmap.loading')}</span>` : nothing}
      </div>
      ${stats && stats.stats.length > 0 ? this.renderTable(stats) : nothing}
      ${stats && stats.stats.length === 0 && this.phase === 'ready' ? html`<p part="empty" class="empty">${this.t('heatmap.empty')}</p>` : nothing}
      ${this.errorMessage ? html`<div part="alert" class="alert error" role="alert">${alertIcon}<span>${this.errorMessage}</span></div>` : nothing}
    </section>`;
  }
}
