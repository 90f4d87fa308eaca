import { randomUUID } from 'node:crypto';
import { HuashuError, type NoteExtraction, type NoteExtractRequest, type NoteExtractResponse } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { ingestEvents } from '../pipeline/pipeline.service.js';
import { extractWithModel } from './model.js';
import { extractWithRules } from './rules.js';

export { extractWithRules } from './rules.js';

/**
 * A visit note → fields: the chat model when one is configured (and the
 * caller did not ask for the rules), the offline rules otherwise or when the
 * model fails or answers nothing valid. With `save`, the note and its fields
 * become the deal's `deal.note_added` in the pipeline's history.
 */
export async function extractNote(ctx: AppContext, principal: Principal, body: NoteExtractRequest): Promise<NoteExtractResponse> {
  let fields: NoteExtraction | undefined;
  let source: NoteExtractResponse['source'] = 'rules';
  if (ctx.chat && body.mode !== 'rules') {
    try {
      fields = await extractWithModel(ctx.chat, body.text, body.at);
      if (fields) source = 'model';
    } catch (error) {
      // The note's text stays out of the log: it is lead data.
      ctx.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'note extraction by the chat model failed; the rules answered');
    }
  }
  fields ??= extractWithRules(body.text, body.at);
  let savedEventId: string | null = null;
  if (body.save && body.dealId) savedEventId = await saveNote(ctx, principal, body, fields, source);
  return { ...fields, source, savedEventId };
}

async function saveNote(ctx: AppContext, principal: Principal, body: NoteExtractRequest, fields: NoteExtraction, source: string): Promise<string> {
  const id = `note_${randomUUID()}`;
  const author = principal.kind === 'rep' ? principal.rep.repId : undefined;
  const result = await ingestEvents(ctx, principal.tenantId, [
    {
      id,
      type: 'deal.note_added',
      dealId: body.dealId!,
      at: new Date(body.at).toISOString(),
      ...(body.leadId ? { leadId: body.leadId } : {}),
      note: { text: body.text, ...(author ? { author } : {}), fields: { ...fields, source } },
    },
  ]);
  if (result.rejected.length > 0) {
    // The pipeline names the event's field (`at: is in the future`); the request's field has the same name.
    const reason = result.rejected[0]!.error;
    const field = /^(\w+):/.exec(reason)?.[1] ?? 'dealId';
    throw new HuashuError('validation_failed', `invalid body: the note cannot be saved: ${reason}`, { issues: [{ path: field, message: reason.replace(/^\w+:\s*/, '') }] });
  }
  return id;
}
