import { z } from 'zod';
import { HttpUrl, Id, IsoDateTime } from './common.js';

/**
 * What a learning-pack item is: a document (FAQ, a process, a checklist, a
 * customer case) with a title and a link, or a knowledge entry of the base.
 */
export const PackItemKind = z.enum(['faq', 'process', 'checklist', 'case', 'entry']);
export type PackItemKind = z.infer<typeof PackItemKind>;

const Slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or dashes');

export const PackSlug = Slug;

const ItemId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'must be 1–80 letters, digits, _ . : or -');

/** Most items one pack holds: a week's reading for a new hire, not a library. */
export const MAX_PACK_ITEMS = 100;
/** Entries a pack's filter adds at most. */
export const MAX_PACK_FILTER_ENTRIES = 20;

export const PackItem = z
  .object({
    id: ItemId,
    kind: PackItemKind,
    title: z.string().trim().min(1).max(200),
    url: HttpUrl.optional(),
    entryId: Id.optional(),
  })
  .strict()
  .superRefine((item, issue) => {
    if (item.kind === 'entry' && !item.entryId) issue.addIssue({ code: 'custom', path: ['entryId'], message: 'an item of kind "entry" needs the knowledge entry id' });
    if (item.kind !== 'entry' && item.entryId) issue.addIssue({ code: 'custom', path: ['entryId'], message: 'only items of kind "entry" link a knowledge entry' });
  });
export type PackItem = z.infer<typeof PackItem>;

export const PackScenario = z
  .object({
    industry: z.string().trim().min(1).max(60).optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  })
  .strict()
  .refine((scenario) => scenario.industry !== undefined || (scenario.tags?.length ?? 0) > 0, 'a scenario needs an industry or at least one tag');
export type PackScenario = z.infer<typeof PackScenario>;

export const LearningPackInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).optional(),
    scenario: PackScenario,
    /** Only reps hired within this many days receive the pack (their rep token's `hireDate`). */
    audience: z.object({ hiredWithinDays: z.number().int().min(1).max(3650) }).strict(),
    items: z.array(PackItem).max(MAX_PACK_ITEMS).default([]),
    /** Approved knowledge entries added as `entry` items when the pack is read (newest first). */
    entries: z
      .object({
        industry: z.string().trim().min(1).max(60).optional(),
        tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
        limit: z.number().int().min(1).max(MAX_PACK_FILTER_ENTRIES).default(5),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((pack, issue) => {
    const seen = new Set<string>();
    pack.items.forEach((item, index) => {
      if (seen.has(item.id)) issue.addIssue({ code: 'custom', path: ['items', index, 'id'], message: `item id "${item.id}" appears twice` });
      seen.add(item.id);
    });
  });
export type LearningPackInput = z.input<typeof LearningPackInput>;
/** A validated pack, defaults applied. */
export type LearningPackData = z.output<typeof LearningPackInput>;

export const PackItemView = z.object({
  id: z.string(),
  kind: PackItemKind,
  title: z.string(),
  url: z.string().nullable(),
  entryId: z.string().nullable(),
  /** Whether the rep reading the pack marked it done (false for a manager's view). */
  done: z.boolean(),
});
export type PackItemView = z.infer<typeof PackItemView>;

export const LearningPack = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  scenario: z.object({ industry: z.string().nullable(), tags: z.array(z.string()) }),
  audience: z.object({ hiredWithinDays: z.number().int() }),
  items: z.array(PackItemView),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  /** When this rep received the pack; null when it was never delivered to them. */
  deliveredAt: IsoDateTime.nullable(),
  updatedAt: IsoDateTime,
});
export type LearningPack = z.infer<typeof LearningPack>;

export const NextPackQuery = z
  .object({
    leadId: Id.optional(),
    industry: z.string().trim().min(1).max(60).optional(),
    /** Comma-separated scenario tags (`tags=招标,HIS`). */
    tags: z
      .string()
      .max(500)
      .transform((value) => value.split(',').map((tag) => tag.trim()).filter(Boolean))
      .optional(),
  })
  .strict()
  .refine((query) => query.leadId !== undefined || query.industry !== undefined || (query.tags?.length ?? 0) > 0, {
    message: 'give leadId, industry or tags: the scenario the rep is in',
    path: ['leadId'],
  });

export const NextPackResponse = z.object({
  /** The pack delivered now — the first time this rep meets its scenario — or null. */
  pack: LearningPack.nullable(),
});
export type NextPackResponse = z.infer<typeof NextPackResponse>;

export const DeliveredPacksResponse = z.object({ packs: z.array(LearningPack) });
export type DeliveredPacksResponse = z.infer<typeof DeliveredPacksResponse>;

export const PackProgressRequest = z.object({ itemId: ItemId, done: z.boolean() }).strict();
export type PackProgressRequest = z.input<typeof PackProgressRequest>;

export const PackCompletion = z.object({
  slug: z.string(),
  name: z.string(),
  total: z.number().int(),
  reps: z.array(
    z.object({
      repId: z.string(),
      name: z.string().nullable(),
      deliveredAt: IsoDateTime,
      done: z.number().int(),
      total: z.number().int(),
      /** When the last item was marked done; null while items are open. */
      completedAt: IsoDateTime.nullable(),
      doneItems: z.array(z.string()),
    }),
  ),
});
export type PackCompletion = z.infer<typeof PackCompletion>;

export const LearningPackList = z.object({ packs: z.array(LearningPack) });
