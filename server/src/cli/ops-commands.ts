import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CaptureRequest, CaptureRules, LeaderboardPeriod, LearningPackInput, PointsRulesRequest, PointsTeamsRequest, RewardsRequest } from '@huashu/core';
import type { z } from 'zod';
import { capture, getCaptureRules, putCaptureRules, resetCaptureRules } from '../conversations/conversations.service.js';
import { reviewQueue } from '../knowledge/review.service.js';
import { completion, deletePack, listPacks, putPack } from '../packs/packs.service.js';
import type { Principal } from '../platform/auth/authenticate.js';
import { findTenantBySlug } from '../platform/auth/key-store.js';
import { ConfigError, type Config } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { describeIssues, toFieldIssues } from '../platform/validation.js';
import { getRules, leaderboard, listRedemptions, listRewards, putRewards, putRules, putTeams, repPoints } from '../points/points.service.js';
import { createContext } from '../server.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

/** What an admin at the terminal is: the tenant's secret key, in effect. */
async function asAdmin(db: Database, config: Config, slug: string): Promise<{ ctx: AppContext; admin: Principal }> {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw new ConfigError(`no tenant "${slug}" (create one with: huashu tenants create --slug ${slug})`);
  return { ctx: await createContext(config, db, createLogger('warn')), admin: { kind: 'secret', tenantId: tenant.id, keyId: 'cli' } };
}

/** A JSON file (or `-` for standard input) checked against `schema`; problems name the field, as the API would. */
function readJson<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${file}: not readable JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeIssues(toFieldIssues(parsed.error))}`);
  return parsed.data;
}

const print = (value: unknown) => process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

interface TenantOption {
  tenant: string;
  json?: boolean;
}

/**
 * `huashu points …`, `huashu packs …`, `huashu capture-rules …`, `huashu capture`
 * and `huashu review queue`: what an admin sets up for contribution points,
 * learning packs and conversation capture, through the same services as the API.
 */
export function registerOpsCommands(program: Command, withDatabase: WithDatabase): void {
  const run = <T>(options: TenantOption, fn: (ctx: AppContext, admin: Principal) => Promise<T>, human?: (result: T) => string) =>
    withDatabase(async (db, config) => {
      const { ctx, admin } = await asAdmin(db, config, options.tenant);
      const result = await fn(ctx, admin);
      print(options.json || !human ? result : human(result));
    });
  const tenantOption = (command: Command) => command.option('--tenant <slug>', 'tenant slug', 'demo').option('--json', 'print JSON');

  // ── points ────────────────────────────────────────────────────────────────
  const points = program.command('points').description('contribution points: rules, teams, rewards, leaderboard, ledgers');
  tenantOption(points.command('rules').description('show the points per outcome, or change them with --set'))
    .option('--set <json>', 'fields to change, e.g. \'{"entryApproved":12}\'')
    .action((options: TenantOption & { set?: string }) =>
      run(options, async (ctx, admin) => {
        if (options.set === undefined) return getRules(ctx, admin);
        let changes: unknown;
        try {
          changes = JSON.parse(options.set);
        } catch {
          throw new ConfigError('--set must be a JSON object, e.g. \'{"entryApproved":12}\'');
        }
        const parsed = PointsRulesRequest.safeParse(changes);
        if (!parsed.success) throw new ConfigError(`--set: ${describeIssues(toFieldIssues(parsed.error))}`);
        return putRules(ctx, admin, parsed.data);
      }, (rules) => `entry approved      ${rules.entryApproved}\nsuccess reported    ${rules.successReported}\nentry re-verified   ${rules.entryReverified}`),
    );
  tenantOption(points.command('leaderboard').description('points earned this week, month or quarter'))
    .option('--period <period>', 'week, month or quarter', 'week')
    .option('--team <team>', 'only this team')
    .option('--limit <n>', 'how many', '20')
    .action((options: TenantOption & { period: string; team?: string; limit: string }) =>
      run(options, (ctx, admin) => {
        const period = LeaderboardPeriod.safeParse(options.period);
        if (!period.success) throw new ConfigError('--period must be week, month or quarter');
        return leaderboard(ctx, admin, { period: period.data, team: options.team, limit: Number(options.limit) || 20 });
      }, (board) => [`since ${board.since}${board.team ? ` · team ${board.team}` : ''}`, ...board.leaders.map((l) => `${String(l.rank).padStart(3)}. ${l.name ?? l.repId} (${l.repId})${l.team ? ` [${l.team}]` : ''}  ${l.points}`)].join('\n')),
    );
  tenantOption(points.command('ledger').description("a rep's balance and ledger, newest first"))
    .requiredOption('--rep <repId>', 'the rep id')
    .option('--limit <n>', 'rows', '50')
    .action((options: TenantOption & { rep: string; limit: string }) =>
      run(options, (ctx, admin) => repPoints(ctx.db, admin.tenantId, options.rep, { limit: Number(options.limit) || 50, offset: 0 }), (mine) =>
        [`balance ${mine.balance}`, ...mine.ledger.map((row) => `${row.createdAt}  ${String(row.amount).padStart(6)}  ${row.reason}  ${row.cause.type}:${row.cause.id}`)].join('\n'),
      ),
    );
  tenantOption(points.command('teams').description('set team membership for the leaderboard from a JSON file { teams: [{ team, repIds }] }'))
    .argument('<file>', 'JSON file, or - for standard input')
    .action((file: string, options: TenantOption) => run(options, (ctx, admin) => putTeams(ctx, admin, readJson(file, PointsTeamsRequest)), (r) => `${r.members} reps on teams`));
  const rewards = points.command('rewards').description('the rewards catalogue');
  tenantOption(rewards.command('list').description('list rewards with cost and stock')).action((options: TenantOption) =>
    run(options, (ctx, admin) => listRewards(ctx, admin), (r) => r.rewards.map((w) => `${w.id}  ${w.name}  ${w.cost} 分  ${w.stock === null ? '不限量' : `余 ${w.stock}`}`).join('\n') || '(no rewards)'),
  );
  tenantOption(rewards.command('set').description('replace the catalogue from a JSON file { rewards: [{ id, name, cost, stock? }] }'))
    .argument('<file>', 'JSON file, or - for standard input')
    .action((file: string, options: TenantOption) => run(options, (ctx, admin) => putRewards(ctx, admin, readJson(file, RewardsRequest)), (r) => `${r.rewards.length} rewards in the catalogue`));
  tenantOption(points.command('redemptions').description('redemptions to fulfil, newest first'))
    .option('--limit <n>', 'rows', '50')
    .action((options: TenantOption & { limit: string }) =>
      run(options, (ctx, admin) => listRedemptions(ctx, admin, { limit: Number(options.limit) || 50, offset: 0 }), (r) =>
        r.redemptions.map((x) => `${x.createdAt}  ${x.repId}  ${x.rewardName} (${x.rewardId})  ${x.cost}`).join('\n') || '(no redemptions)',
      ),
    );

  // ── learning packs ────────────────────────────────────────────────────────
  const packs = program.command('packs').description('scenario learning packs for new hires');
  tenantOption(packs.command('list').description('every pack with its scenario, audience and items')).action((options: TenantOption) =>
    run(options, (ctx, admin) => listPacks(ctx, admin), (r) =>
      r.packs.map((p) => `${p.slug}  ${p.name}  industry=${p.scenario.industry ?? '-'} tags=${p.scenario.tags.join(',') || '-'}  hired within ${p.audience.hiredWithinDays} d  ${p.items.length} items`).join('\n') || '(no packs)',
    ),
  );
  tenantOption(packs.command('put').description('create or replace a pack from a JSON file { name, scenario, audience, items, entries? }'))
    .argument('<slug>')
    .argument('<file>', 'JSON file, or - for standard input')
    .action((slug: string, file: string, options: TenantOption) =>
      run(options, async (ctx, admin) => (await putPack(ctx, admin, slug, readJson(file, LearningPackInput))).pack, (p) => `${p.slug}: ${p.items.length} items`),
    );
  tenantOption(packs.command('completion').description('completion per rep the pack was delivered to'))
    .argument('<slug>')
    .action((slug: string, options: TenantOption) =>
      run(options, (ctx, admin) => completion(ctx, admin, slug), (c) =>
        [`${c.name} (${c.total} items)`, ...c.reps.map((r) => `  ${r.name ?? r.repId} (${r.repId})  ${r.done}/${r.total}${r.completedAt ? `  completed ${r.completedAt}` : ''}`)].join('\n'),
      ),
    );
  tenantOption(packs.command('delete').description('delete a pack with its deliveries and progress'))
    .argument('<slug>')
    .action((slug: string, options: TenantOption) => run(options, (ctx, admin) => deletePack(ctx, admin, slug), () => `deleted ${slug}`));

  // ── conversation capture ──────────────────────────────────────────────────
  const rules = program.command('capture-rules').description('tracker rules that turn chat snippets into candidate entries');
  tenantOption(rules.command('show').description("the tenant's rules (the defaults until set)")).action((options: TenantOption) => run(options, (ctx, admin) => getCaptureRules(ctx, admin)));
  tenantOption(rules.command('set').description('replace the rules from a JSON file { rules, synonyms?, negators?, context?, linkSimilarity? }'))
    .argument('<file>', 'JSON file, or - for standard input')
    .action((file: string, options: TenantOption) => run(options, (ctx, admin) => putCaptureRules(ctx, admin, readJson(file, CaptureRules)), (r) => `${r.rules.length} rules set`));
  tenantOption(rules.command('reset').description('go back to the default rules')).action((options: TenantOption) =>
    run(options, (ctx, admin) => resetCaptureRules(ctx, admin), (r) => `default rules: ${r.rules.map((rule) => rule.tag).join(', ')}`),
  );
  tenantOption(program.command('capture').description('run a conversation export { messages: [{ role, text, at }] } through the rules'))
    .argument('<file>', 'JSON file, or - for standard input')
    .option('--dry-run', 'only show what matches; store nothing')
    .action((file: string, options: TenantOption & { dryRun?: boolean }) =>
      run(options, (ctx, admin) => capture(ctx, admin, { ...readJson(file, CaptureRequest), ...(options.dryRun ? { dryRun: true } : {}) }), (r) =>
        r.snippets
          .map((s) => `[${s.tags.join(', ')}] ${s.question.replace(/\n/g, ' / ')}\n  ${s.matches.map((m) => m.why).join('\n  ')}\n  → ${s.linkedEntryId ? `example of ${s.linkedEntryId}` : s.candidateEntryId ? `candidate ${s.candidateEntryId}` : 'not stored (dry run)'}`)
          .join('\n') || 'no snippet matched',
      ),
    );

  // ── review ────────────────────────────────────────────────────────────────
  const review = program.command('review').description('the reviewers’ queue');
  tenantOption(review.command('queue').description('entries waiting for review with their most similar approved entries, and the expired ones'))
    .option('--limit <n>', 'entries', '20')
    .action((options: TenantOption & { limit: string }) =>
      run(options, (ctx, admin) => reviewQueue(ctx, admin, { limit: Number(options.limit) || 20, offset: 0, similar: 3 }), (q) =>
        [
          `${q.total} waiting for review`,
          ...q.pending.map(
            (item) =>
              `${item.likelyDuplicate ? '! ' : '  '}${item.entry.id}  ${item.entry.question}\n${item.similar.map((s) => `      ${s.similarity.toFixed(3)}  ${s.entry.question}`).join('\n')}`,
          ),
          `${q.expiredTotal} approved entries past their verification date`,
          ...q.expired.map((entry) => `  ${entry.id}  ${entry.question}`),
        ].join('\n'),
      ),
    );
}
