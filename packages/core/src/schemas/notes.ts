import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * A rep's spoken or typed visit summary turned into fields (server/src/notes).
 * One schema serves the offline rule layer, the chat model's structured output
 * and the API, so what a model may answer is exactly what the API documents.
 */
export const MAX_NOTE_TEXT_LENGTH = 5000;
const Short = z.string().trim().min(1).max(200);

export const NoteContact = z.object({
  /** 王 in 王总; a compound surname (欧阳) stays whole. */
  surname: z.string().trim().min(1).max(4),
  /** 总, 经理, 工, 主任 …; absent when the text names no title. */
  title: z.string().trim().min(1).max(20).optional(),
});
export type NoteContact = z.infer<typeof NoteContact>;

export const NoteMeeting = z.object({
  /** The local date (Asia/Shanghai) the next meeting is on. */
  date: z.iso.date(),
  purpose: Short.optional(),
});
export type NoteMeeting = z.infer<typeof NoteMeeting>;

export const NoteBudget = z.object({
  /** In yuan (or the currency's unit); an upper bound only (50万以内) has min 0. */
  min: z.number().nonnegative(),
  max: z.number().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** 左右 / 出头 / 大概: the figure is an estimate. */
  approximate: z.boolean().optional(),
});
export type NoteBudget = z.infer<typeof NoteBudget>;

export const NoteExtraction = z.object({
  contacts: z.array(NoteContact).max(20),
  meeting: NoteMeeting.nullable(),
  documentsRequested: z.array(Short).max(20),
  budget: NoteBudget.nullable(),
  competitors: z.array(Short).max(20),
  nextSteps: z.array(Short).max(20),
});
export type NoteExtraction = z.infer<typeof NoteExtraction>;

export const NoteExtractRequest = z
  .object({
    text: z.string().trim().min(1).max(MAX_NOTE_TEXT_LENGTH),
    /** Fixes "today" for 明天, 下周三 …; read in Asia/Shanghai. */
    at: IsoDateTime,
    leadId: z.string().trim().min(1).max(64).optional(),
    /** With `save`, the deal the note is recorded on as `deal.note_added` (the pipeline's history). */
    dealId: z.string().trim().min(1).max(100).optional(),
    save: z.boolean().optional(),
    /** `rules` forces the offline layer even when a chat model is configured. @default model when configured, else rules */
    mode: z.enum(['rules', 'model']).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.save && !body.dealId) ctx.addIssue({ code: 'custom', path: ['dealId'], message: 'save: true needs the deal to record the note on' });
  });
export type NoteExtractRequest = z.input<typeof NoteExtractRequest>;

export const NoteExtractResponse = NoteExtraction.extend({
  /** Which layer produced the fields. */
  source: z.enum(['rules', 'model']),
  /** The `deal.note_added` event id when saved; null otherwise. */
  savedEventId: z.string().nullable(),
});
export type NoteExtractResponse = z.infer<typeof NoteExtractResponse>;
