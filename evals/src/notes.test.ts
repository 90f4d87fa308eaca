import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractWithRules } from '@huashu/server';
import { describe, expect, it } from 'vitest';
import { loadNoteParts, NOTE_FIELDS, runNotesEval } from './notes.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parts = loadNoteParts(join(repoRoot, 'evals', 'datasets', 'notes'));
const all = [...parts.values()].flat();
/** The bar: each field right on at least 95 % of the written notes. */
const FIELD_FLOOR = 0.95;

describe('voice notes → fields (offline rules) on the written set', () => {
  it('has at least 40 notes, with reference days on a Sunday and a Monday', () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    const weekdays = new Set(all.map((note) => new Date(note.at).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'Asia/Shanghai' })));
    expect(weekdays).toContain('Sunday');
    expect(weekdays).toContain('Monday');
  });

  it('reads every field right on at least 95 % of the notes', async () => {
    const result = await runNotesEval('all', all, extractWithRules);
    const below = result.fields.filter((score) => score.accuracy < FIELD_FLOOR).map((score) => `${score.field}: ${score.correct}/${score.total}`);
    expect(below).toEqual([]);
    expect(result.fields.map((score) => score.field)).toEqual([...NOTE_FIELDS]);
  });
});
