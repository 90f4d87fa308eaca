import { createHash } from 'node:crypto';
import {
  ANSWER_MAX,
  CaptureRequest,
  CaptureRules,
  HuashuError,
  KnowledgeEntryInput,
  QUESTION_MAX,
  type CaptureResponse,
  type ConversationMessage,
  type Snippet,
} from '@huashu/core';
import type { z } from 'zod';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { lockTenantScope } from '../platform/db/tenant-lock.js';
import type { Queryable } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';
import { createEntry } from '../knowledge/knowledge.service.js';
import { closestApproved } from '../knowledge/review.service.js';
import * as store from './conversations.store.js';
import { DEFAULT_CAPTURE_RULES } from './default-rules.js';
import { matchConversation, type MatchedSnippet } from './matcher.js';

/** Every candidate made from a conversation carries this tag besides its rules' tags, so reviewers can filter for them. */
export const CAPTURE_TAG = '对话采集';
/** Said in a candidate whose customer got no reply in the conversation: the reviewer writes the script. */
const NO_REPLY_ANSWER = '（对话中销售未作回应，请补充标准话术）';
/** Snippet dates are the reps' calendar days (China Standard Time, UTC+8). */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
/** Examples returned per entry. */
const EXAMPLES_LIMIT = 50;

type CaptureInput = z.output<typeof CaptureRequest>;

function requireAdmin(principal: Principal): void {
  if (principal.kind === 'secret' || (principal.kind === 'rep' && principal.rep.role === 'admin')) return;
  throw new HuashuError('forbidden', 'changing capture rules needs a secret key or a rep token with role admin');
}

function requireCaller(principal: Principal): void {
  if (principal.kind === 'publishable') throw new HuashuError('forbidden', 'conversation capture needs a rep token or a secret key');
}

/**
 * The capture rules a pilot gives one rep at a moment, if any. Wired in at
 * module assembly (modules.ts): the console, which owns pilots, imports this
 * service to publish rules, so importing it back would be a cycle.
 */
export type PilotCaptureRules = (db: Queryable, tenantId: string, repId: string, at: Date) => Promise<CaptureRules | undefined>;
let pilotCaptureRules: PilotCaptureRules = async () => undefined;

/** Installs the pilot resolver; called once when the modules are assembled. */
export function usePilotCaptureRules(resolver: PilotCaptureRules): void {
  pilotCaptureRules = resolver;
}

/** The tenant's rules — or, for a rep in a running pilot, the pilot's (they replace the rules whole, as a publish would). */
export async function rulesFor(ctx: AppContext, tenantId: string, repId?: string): Promise<CaptureRules> {
  const pilot = repId ? await pilotCaptureRules(ctx.db, tenantId, repId, new Date()) : undefined;
  return pilot ?? (await store.getRules(ctx.db, tenantId)) ?? DEFAULT_CAPTURE_RULES;
}

export async function getCaptureRules(ctx: AppContext, principal: Principal): Promise<CaptureRules & { isDefault: boolean }> {
  requireCaller(principal);
  const stored = await store.getRules(ctx.db, principal.tenantId);
  return { ...(stored ?? DEFAULT_CAPTURE_RULES), isDefault: stored === undefined };
}

/** Writes of the capture rules take it, so the audited "before" is the rules each write replaced. */
const CAPTURE_RULES_SCOPE = 'capture-rules';

/** Replaces the tenant's rules (the defaults no longer apply); `reset` goes back to them. */
/** `via.tx`: write in the caller's transaction (the console's publish); `via.consoleVersion` names the version in `config.changed`. */
export async function putCaptureRules(ctx: AppContext, principal: Principal, rules: CaptureRules, via: { tx?: Queryable; consoleVersion?: number } = {}): Promise<CaptureRules & { isDefault: boolean }> {
  requireAdmin(principal);
  const write = async (tx: Queryable) => {
    await lockTenantScope(tx, CAPTURE_RULES_SCOPE, principal.tenantId);
    const before = (await store.getRules(tx, principal.tenantId)) ?? DEFAULT_CAPTURE_RULES;
    await store.putRules(tx, principal.tenantId, rules);
    await emitConfigChanged(tx, principal, before, rules, via.consoleVersion);
  };
  await (via.tx ? write(via.tx) : ctx.db.transaction(write));
  return { ...rules, isDefault: false };
}

export async function resetCaptureRules(ctx: AppContext, principal: Principal): Promise<CaptureRules & { isDefault: boolean }> {
  requireAdmin(principal);
  await ctx.db.transaction(async (tx) => {
    await lockTenantScope(tx, CAPTURE_RULES_SCOPE, principal.tenantId);
    const before = (await store.getRules(tx, principal.tenantId)) ?? DEFAULT_CAPTURE_RULES;
    await store.deleteRules(tx, principal.tenantId);
    await emitConfigChanged(tx, principal, before, DEFAULT_CAPTURE_RULES);
  });
  return { ...DEFAULT_CAPTURE_RULES, isDefault: true };
}

/** The capture rules changed (who, before, after); the console's audit log records it. */
function emitConfigChanged(tx: Queryable, principal: Principal, before: CaptureRules, after: CaptureRules, consoleVersion?: number) {
  const actor = principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`;
  return emit(tx, { tenantId: principal.tenantId, type: 'config.changed', data: { ruleSet: 'capture-rules', actor, before, after, consoleVersion: consoleVersion ?? null } });
}

/** Per rep, the snippets captured over a period and the candidate entries they created (for the console's pilot comparison). */
export function capturedByRep(db: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<Map<string, { snippets: number; candidates: number }>> {
  return store.capturedByRep(db, tenantId, period);
}

/** The span's messages with their times: the same moment of the same chat, captured twice, is one snippet. */
function fingerprint(messages: readonly ConversationMessage[], snippet: MatchedSnippet): string {
  const span = messages.slice(snippet.from, snippet.to + 1).map(({ role, text, at }) => [role, text, Date.parse(at)]);
  return createHash('sha256').update(JSON.stringify(span)).digest('hex');
}

const shanghaiDate = (at: string) => new Date(Date.parse(at) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

function candidateInput(snippet: Pick<Snippet, 'question' | 'answer' | 'tags' | 'context'>, from: number, industry: string | undefined): KnowledgeEntryInput {
  const first = snippet.context.find((message) => message.index === from) ?? snippet.context[0]!;
  // Validated like any contribution, so a snippet can never store what an entry may not hold.
  return KnowledgeEntryInput.parse({
    question: snippet.question,
    answer: snippet.answer ?? NO_REPLY_ANSWER,
    evidence: [{ kind: 'other', title: `对话摘录 ${shanghaiDate(first.at)}` }],
    tags: [...new Set([...snippet.tags, CAPTURE_TAG])].map((tag) => Array.from(tag).slice(0, 40).join('')).slice(0, 20),
    ...(industry ? { industry } : {}),
    status: 'pending_review',
  });
}

/**
 * A snippet's fate: a real-world example of the approved entry it closely
 * matches (similarity at or above the rules' `linkSimilarity`), or else a new
 * `pending_review` candidate with the customer's words as its question.
 */
async function settle(ctx: AppContext, principal: Principal, snippet: Snippet, from: number, rules: CaptureRules, industry: string | undefined): Promise<Snippet> {
  const closest = await closestApproved(ctx, principal.tenantId, { question: snippet.question });
  if (closest && closest.similarity >= rules.linkSimilarity) {
    return store.settleSnippet(ctx.db, principal.tenantId, snippet.id!, { linkedEntryId: closest.entry.id, similarity: closest.similarity });
  }
  const entry = await createEntry(ctx, principal, candidateInput(snippet, from, industry));
  return store.settleSnippet(ctx.db, principal.tenantId, snippet.id!, { candidateEntryId: entry.id, ...(closest ? { similarity: closest.similarity } : {}) });
}

/**
 * `POST /v1/conversations/capture`: runs the tenant's tracker rules over a
 * chat export and turns each snippet into a candidate entry or an example of
 * an existing one. Capturing the same export again (same `conversationId`, or
 * the same messages) returns the stored snippets and creates nothing twice.
 */
export async function capture(ctx: AppContext, principal: Principal, body: CaptureInput): Promise<CaptureResponse> {
  requireCaller(principal);
  const tenantId = principal.tenantId;
  const rules = await rulesFor(ctx, tenantId, principal.kind === 'rep' ? principal.rep.repId : undefined);
  const matched = matchConversation(body.messages, rules, { questionMax: QUESTION_MAX, answerMax: ANSWER_MAX });
  if (body.dryRun) {
    return {
      captureId: null,
      replayed: false,
      snippets: matched.map((snippet) => ({ id: null, tags: snippet.tags, matches: snippet.matches, span: { from: snippet.from, to: snippet.to }, context: snippet.context, question: snippet.question, answer: snippet.answer })),
    };
  }
  const record = await store.insertCapture(ctx.db, tenantId, {
    conversationId: body.conversationId,
    source: body.source,
    repId: principal.kind === 'rep' ? principal.rep.repId : undefined,
    leadId: body.leadId,
    messageCount: body.messages.length,
  });
  const snippets: Snippet[] = [];
  for (const snippet of matched) {
    const { row, created } = await store.claimSnippet(ctx.db, tenantId, record.id, {
      fingerprint: fingerprint(body.messages, snippet),
      tags: snippet.tags,
      matches: snippet.matches,
      from: snippet.from,
      to: snippet.to,
      context: snippet.context,
      question: snippet.question,
      answer: snippet.answer,
    });
    const unsettled = !row.candidateEntryId && !row.linkedEntryId;
    snippets.push(created || unsettled ? await settle(ctx, principal, row, snippet.from, rules, body.industry) : row);
  }
  return { captureId: record.id, replayed: !record.created, snippets };
}

/** Conversation snippets linked to an entry as real-world examples of it. */
export async function entryExamples(ctx: AppContext, principal: Principal, entryId: string) {
  requireCaller(principal);
  const examples = await store.examplesOf(ctx.db, principal.tenantId, entryId, EXAMPLES_LIMIT);
  return {
    examples: examples.map((example) => ({
      snippetId: example.id!,
      entryId,
      similarity: example.similarity ?? 0,
      tags: example.tags,
      question: example.question,
      context: example.context,
      createdAt: example.createdAt,
    })),
  };
}
