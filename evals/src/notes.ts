import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NoteExtraction } from '@huashu/core';

/**
 * The voice-note extraction eval: hand-written notes with the fields a person
 * reads from them (evals/datasets/notes/*.json), scored per field. A field is
 * right only when it is entirely right (every contact, both ends of a budget),
 * except where wording legitimately differs: a meeting's purpose and a next
 * step match when one contains the other.
 */
export interface NoteCase {
  id: string;
  at: string;
  text: string;
  expected: NoteExtraction;
}

export type NoteExtractor = (text: string, at: string) => NoteExtraction | Promise<NoteExtraction>;

export const NOTE_FIELDS = ['contacts', 'meeting.date', 'meeting.purpose', 'documentsRequested', 'budget', 'competitors', 'nextSteps'] as const;
export type NoteField = (typeof NOTE_FIELDS)[number];

export interface NoteFieldScore {
  field: NoteField;
  correct: number;
  total: number;
  accuracy: number;
}

export interface NoteEvalResult {
  dataset: string;
  cases: number;
  fields: NoteFieldScore[];
  /** Every case with at least one wrong field, with what was read. */
  failures: Array<{ id: string; fields: NoteField[]; got: NoteExtraction }>;
}

/** Each `*.json` file of the folder is one part (part1: written first and tuned on; part2: written after, never tuned on). */
export function loadNoteParts(dir: string): Map<string, NoteCase[]> {
  const parts = new Map<string, NoteCase[]>();
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.json')).sort()) {
    parts.set(name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, name), 'utf8')) as NoteCase[]);
  }
  return parts;
}

const squash = (text: string) => text.replace(/[\s，。、,.:：；;！!？?“”"'《》]/g, '').toLowerCase();
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const left = [...new Set(a.map(squash))].sort();
  const right = [...new Set(b.map(squash))].sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
};
const overlaps = (a: string, b: string) => {
  const [x, y] = [squash(a), squash(b)];
  return x.length > 0 && y.length > 0 && (x.includes(y) || y.includes(x));
};

export function fieldCorrect(field: NoteField, expected: NoteExtraction, got: NoteExtraction): boolean {
  switch (field) {
    case 'contacts':
      return sameSet(
        expected.contacts.map((contact) => `${contact.surname}|${contact.title ?? ''}`),
        got.contacts.map((contact) => `${contact.surname}|${contact.title ?? ''}`),
      );
    case 'meeting.date':
      return (expected.meeting?.date ?? null) === (got.meeting?.date ?? null);
    case 'meeting.purpose': {
      const want = expected.meeting?.purpose;
      const have = got.meeting?.purpose;
      if (!want || !have) return !want === !have;
      return overlaps(want, have);
    }
    case 'documentsRequested':
      return sameSet(expected.documentsRequested, got.documentsRequested);
    case 'budget': {
      const [want, have] = [expected.budget, got.budget];
      if (!want || !have) return !want === !have;
      return want.min === have.min && want.max === have.max && want.currency === have.currency && Boolean(want.approximate) === Boolean(have.approximate);
    }
    case 'competitors':
      return sameSet(expected.competitors, got.competitors);
    case 'nextSteps':
      // Same number of steps, each expected one found in a step read.
      return expected.nextSteps.length === got.nextSteps.length && expected.nextSteps.every((step) => got.nextSteps.some((candidate) => overlaps(step, candidate)));
  }
}

export async function runNotesEval(dataset: string, cases: readonly NoteCase[], extract: NoteExtractor): Promise<NoteEvalResult> {
  const correct = new Map<NoteField, number>(NOTE_FIELDS.map((field) => [field, 0]));
  const failures: NoteEvalResult['failures'] = [];
  for (const item of cases) {
    const got = await extract(item.text, item.at);
    const wrong = NOTE_FIELDS.filter((field) => !fieldCorrect(field, item.expected, got));
    for (const field of NOTE_FIELDS) if (!wrong.includes(field)) correct.set(field, correct.get(field)! + 1);
    if (wrong.length > 0) failures.push({ id: item.id, fields: wrong, got });
  }
  return {
    dataset,
    cases: cases.length,
    fields: NOTE_FIELDS.map((field) => ({ field, correct: correct.get(field)!, total: cases.length, accuracy: cases.length === 0 ? 0 : correct.get(field)! / cases.length })),
    failures,
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

/** A Markdown table: one row per field, one column per part. */
export function renderNotesMarkdown(results: readonly NoteEvalResult[]): string {
  const header = `| field | ${results.map((result) => `${result.dataset} (${result.cases} notes)`).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---:').join('|')}|`;
  const rows = NOTE_FIELDS.map((field) => `| ${field} | ${results.map((result) => {
    const score = result.fields.find((candidate) => candidate.field === field)!;
    return `${score.correct}/${score.total} (${percent(score.accuracy)})`;
  }).join(' | ')} |`);
  const failures = results.flatMap((result) => result.failures.map((failure) => `- ${failure.id}: ${failure.fields.join(', ')}`));
  return ['## Voice notes → fields (offline rules)', '', header, rule, ...rows, '', failures.length > 0 ? 'Wrong fields:' : 'No wrong fields.', ...failures, ''].join('\n');
}
