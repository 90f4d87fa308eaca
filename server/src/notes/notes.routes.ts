import { NoteExtractRequest, NoteExtractResponse } from '@huashu/core';
import { defineRoute } from '../platform/http/route.js';
import { extractNote } from './notes.service.js';

export const notesRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/notes/extract',
    summary: 'A visit note (typed or transcribed) → contacts, next meeting, requested documents, budget, competitors, next steps; optionally saved on the deal as deal.note_added',
    tag: 'notes',
    auth: ['secret', 'rep'],
    body: NoteExtractRequest,
    response: NoteExtractResponse,
    handler: ({ body, principal, ctx }) => extractNote(ctx, principal, body),
  }),
];
