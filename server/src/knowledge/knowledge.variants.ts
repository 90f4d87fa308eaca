import { HuashuError, type KnowledgeVariant, type LearningSettings, type VariantStatus } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { normalizeText } from '../retrieval/normalize.js';
import { requireReviewer } from './knowledge.service.js';
import { changedCorpus, getEntry } from './knowledge.store.js';
import * as learning from './learning.store.js';
import * as variants from './variants.store.js';

/**
 * Variants as reviewers see and edit them: the queue of learned phrasings
 * waiting for approval, and the phrasings of one entry. Approving or rejecting
 * changes what the assistant matches on at once (the corpus caches are
 * invalidated with the write).
 */

export function listVariantsFor(ctx: AppContext, principal: Principal, filter: variants.VariantFilter): Promise<{ variants: KnowledgeVariant[]; total: number }> {
  requireReviewer(principal);
  return variants.listVariants(ctx.db, principal.tenantId, filter);
}

/** Adds a phrasing to an entry by hand (a reviewer's edit): approved at once. */
export async function addVariant(ctx: AppContext, principal: Principal, entryId: string, text: string): Promise<KnowledgeVariant> {
  requireReviewer(principal);
  const tenantId = principal.tenantId;
  const entry = await getEntry(ctx.db, tenantId, entryId);
  if (normalizeText(entry.question) === normalizeText(text)) throw new HuashuError('conflict', 'the variant repeats the entry’s own question');
  const [id] = await ctx.db.transaction(async (tx) => {
    const ids = await variants.upsertVariants(tx, tenantId, [{ entryId, text, status: 'approved', source: 'manual' }], ctx.embedder);
    changedCorpus(tx, tenantId);
    return ids;
  });
  return variants.getVariant(ctx.db, tenantId, id!);
}

export async function reviewVariant(ctx: AppContext, principal: Principal, id: string, decision: 'approve' | 'reject'): Promise<KnowledgeVariant> {
  const reviewer = requireReviewer(principal);
  const status: VariantStatus = decision === 'approve' ? 'approved' : 'rejected';
  await variants.setVariantStatus(ctx.db, principal.tenantId, id, status, reviewer);
  changedCorpus(ctx.db, principal.tenantId);
  return variants.getVariant(ctx.db, principal.tenantId, id);
}

export async function removeVariant(ctx: AppContext, principal: Principal, entryId: string, id: string): Promise<void> {
  requireReviewer(principal);
  await variants.deleteVariant(ctx.db, principal.tenantId, entryId, id);
  changedCorpus(ctx.db, principal.tenantId);
}

export async function getLearningSettings(ctx: AppContext, principal: Principal): Promise<LearningSettings> {
  requireReviewer(principal);
  return { variantApprovals: await learning.variantApprovals(ctx.db, principal.tenantId) };
}

/** Sets how many different reps' successes approve a learned variant; those already past the new threshold are approved now. */
export async function putLearningSettings(ctx: AppContext, principal: Principal, settings: LearningSettings): Promise<LearningSettings> {
  if (principal.kind !== 'secret') throw new HuashuError('forbidden', 'learning settings need a secret key');
  await learning.setVariantApprovals(ctx.db, principal.tenantId, settings.variantApprovals);
  if ((await variants.approveLearnedVariants(ctx.db, principal.tenantId, settings.variantApprovals)) > 0) changedCorpus(ctx.db, principal.tenantId);
  return settings;
}
