import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { OutputParserException } from '@langchain/core/output_parsers';
import { NoteExtraction } from '@huashu/core';
import { findDates, referenceDay } from './dates.js';

/**
 * The chat-model layer: LangChain structured output against the same zod
 * schema the API answers with, then grounded in the text — a name, document
 * or competitor the note does not contain is dropped, and a meeting date must
 * be one the note's own date words resolve to (the offline rules resolve them,
 * weeks starting on Monday), so the model can only leave fields empty, never
 * invent them.
 */

const SYSTEM = [
  'You read a Chinese B2B sales rep\'s visit note and return its fields as JSON.',
  'contacts: people named with a title (王总 → {"surname":"王","title":"总"}).',
  'meeting: the next meeting {"date":"YYYY-MM-DD","purpose"} resolved against the reference date (weeks start on Monday, Asia/Shanghai), or null.',
  'documentsRequested: documents the customer asked for. budget: {"min","max","currency"} in units (80-120万 → 800000–1200000, CNY), or null.',
  'competitors: vendors the customer is also considering. nextSteps: what the rep has to do next.',
  'Leave a field empty ([] or null) when the note does not say it. Never guess.',
].join('\n');

const squash = (text: string) => text.replace(/\s+/g, '').toLowerCase();

/** Keeps only what the note contains. */
export function groundInText(fields: NoteExtraction, text: string, at: Date | string): NoteExtraction {
  const haystack = squash(text);
  const present = (value: string) => haystack.includes(squash(value));
  const dates = new Set(findDates(text, referenceDay(at)).map((match) => match.date));
  const meeting = fields.meeting && dates.has(fields.meeting.date) ? { date: fields.meeting.date, ...(fields.meeting.purpose ? { purpose: fields.meeting.purpose } : {}) } : null;
  const budget = fields.budget && /[0-9一二两三四五六七八九十百千万亿]/.test(text) ? fields.budget : null;
  return {
    contacts: fields.contacts.filter((contact) => present(`${contact.surname}${contact.title ?? ''}`) || present(contact.surname)),
    meeting,
    documentsRequested: fields.documentsRequested.filter(present),
    budget,
    competitors: fields.competitors.filter(present),
    // A next step is a paraphrase; it needs most of its characters in the note.
    nextSteps: fields.nextSteps.filter((step) => {
      const chars = [...squash(step)];
      return chars.length > 0 && chars.filter((char) => haystack.includes(char)).length / chars.length >= 0.6;
    }),
  };
}

function parseJson(content: unknown): unknown {
  const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => (typeof part === 'object' && part && 'text' in part ? String(part.text) : '')).join('') : '';
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/** The model's reading, validated and grounded; undefined when it answered nothing usable (the caller falls back to the rules). */
export async function extractWithModel(chat: BaseChatModel, text: string, at: Date | string): Promise<NoteExtraction | undefined> {
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Reference date: ${referenceDay(at)} (Asia/Shanghai)\nNote: ${text}` },
  ];
  let raw: unknown;
  try {
    raw = await chat.withStructuredOutput(NoteExtraction, { name: 'note_fields' }).invoke(messages);
  } catch (error) {
    // An answer outside the schema is no answer; a failing model (network, quota) is the caller's to report.
    if (error instanceof OutputParserException) return undefined;
    if (!(error instanceof Error) || !/bindTools/.test(error.message)) throw error;
    // A model without tool calling answers in JSON text, checked against the same schema.
    raw = parseJson((await chat.invoke([...messages, { role: 'user', content: 'Answer with the JSON object only.' }])).content);
  }
  const parsed = NoteExtraction.safeParse(raw);
  return parsed.success ? groundInText(parsed.data, text, at) : undefined;
}
