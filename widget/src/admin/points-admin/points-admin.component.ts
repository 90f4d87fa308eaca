import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { Leaderboard, PointsRules, RewardView } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import type { AdminClient } from '../internal/admin-client.js';
import { adminStyles } from '../internal/admin-styles.js';
import { RuleSetElement } from '../internal/rule-set-element.js';

const RULE_KEYS = ['entryApproved', 'successReported', 'entryReverified'] as const satisfies readonly (keyof PointsRules)[];

/**
 * @summary Point rules (versioned: draft → published), the rewards catalogue and this week's leaderboard.
 *
 * @tag huashu-points-admin
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin.
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - Rules saved or published, or the catalogue saved (`rewards`).
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart reward - One reward of the catalogue.
 * @csspart leaderboard - The leaderboard table.
 * @csspart versions - The rules' versions and their actions.
 * @csspart status - Announcements.
 * @csspart alert - An error message.
 */
export class HuashuPointsAdmin extends RuleSetElement<PointsRules> {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...RuleSetElement.properties, rewards: { state: true }, leaderboard: { state: true } };

  protected readonly widget = 'points-admin';
  protected readonly ruleSet = 'point-rules' as const;
  rewards: RewardView[] = [];
  leaderboard: Leaderboard | undefined;

  protected empty(): PointsRules {
    return { entryApproved: 10, successReported: 5, entryReverified: 3 };
  }

  protected override async load(api: AdminClient): Promise<void> {
    await super.load(api);
    this.rewards = (await api.request<{ rewards: RewardView[] }>('GET', '/v1/points/rewards')).rewards;
    this.leaderboard = await api.request<Leaderboard>('GET', '/v1/points/leaderboard?period=week&limit=10');
  }

  private async saveRewards(): Promise<void> {
    const rewards = this.rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      cost: reward.cost,
      ...(reward.description ? { description: reward.description } : {}),
      ...(reward.stock === null ? {} : { stock: reward.stock }),
    }));
    const saved = await this.run((api) => api.request<{ rewards: RewardView[] }>('PUT', '/v1/points/rewards', { rewards }), { what: 'rewards', notice: this.at('points.rewardsSaved') });
    if (saved) this.rewards = saved.rewards;
  }

  private editReward(change: () => void): void {
    change();
    this.requestUpdate('rewards');
  }

  private renderReward(reward: RewardView, index: number): TemplateResult {
    return html`<div part="reward" class="row" role="group" aria-label=${reward.name}>
      <label class="field"><span class="label">${this.at('points.rewardName')}</span>
        <input class="control" name="reward-name" .value=${reward.name} @change=${(e: Event) => this.editReward(() => (reward.name = (e.target as HTMLInputElement).value.trim()))} /></label>
      <label class="field narrow"><span class="label">${this.at('points.cost')}</span>
        <input class="control" name="reward-cost" type="number" min="1" .value=${String(reward.cost)} @change=${(e: Event) => this.editReward(() => (reward.cost = Number((e.target as HTMLInputElement).value)))} /></label>
      <label class="field narrow"><span class="label">${this.at('points.stock')}</span>
        <input class="control" name="reward-stock" type="number" min="0" .value=${reward.stock === null ? '' : String(reward.stock)} @change=${(e: Event) => this.editReward(() => {
          const value = (e.target as HTMLInputElement).value;
          reward.stock = value === '' ? null : Number(value);
        })} /></label>
      <button class="btn small text" aria-label=${`${this.at('remove')} ${reward.name}`} @click=${() => this.editReward(() => this.rewards.splice(index, 1))}>${this.at('remove')}</button>
    </div>`;
  }

  protected override render(): TemplateResult {
    const rules = this.draft;
    const board = this.leaderboard;
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('points.rules')}</h3>
      ${this.renderStatus()}
      ${rules
        ? html`<div class="row">${RULE_KEYS.map(
            (key) => html`<label class="field narrow"><span class="label">${this.at(`points.${key}`)}</span>
              <input class="control" name=${key} type="number" min="0" .value=${String(rules[key])} @change=${(e: Event) => {
                rules[key] = Number((e.target as HTMLInputElement).value);
                this.touch();
              }} /></label>`,
          )}</div>`
        : nothing}
      ${this.renderVersions()}
      <h3>${this.at('points.rewards')}</h3>
      ${this.rewards.map((reward, index) => this.renderReward(reward, index))}
      <div class="row">
        <button class="btn" @click=${() => this.editReward(() => this.rewards.push({ id: `reward-${Date.now().toString(36)}`, name: this.at('points.rewardName'), description: null, cost: 100, stock: null }))}>${this.at('points.addReward')}</button>
        <button class="btn primary" ?disabled=${this.busy} @click=${() => this.saveRewards()}>${this.at('points.saveRewards')}</button>
      </div>
      <h3>${this.at('points.leaderboard')}</h3>
      ${board && board.leaders.length > 0
        ? html`<div class="scroll"><table part="leaderboard">
            <thead><tr><th scope="col">${this.at('points.rank')}</th><th scope="col">${this.at('points.rep')}</th><th scope="col">${this.at('points.points')}</th></tr></thead>
            <tbody>${board.leaders.map((leader) => html`<tr><td>${leader.rank}</td><td>${leader.name ?? leader.repId}${leader.team ? ` · ${leader.team}` : ''}</td><td>${leader.points}</td></tr>`)}</tbody>
          </table></div>`
        : html`<p class="muted">${this.at('points.noRanking')}</p>`}
    </section>`;
  }
}
