import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { extractWithRules } from '@huashu/server';
import { loadNoteParts, renderNotesMarkdown, runNotesEval, type NoteEvalResult } from './notes.js';

/** The notes part of `npm run eval`: per-field accuracy of the offline rules on each part, written to <out>/<date>-notes.md. */
export async function runNotesReport(repoRoot: string, outDir: string, date: string): Promise<NoteEvalResult[]> {
  const parts = loadNoteParts(join(repoRoot, 'evals', 'datasets', 'notes'));
  const results: NoteEvalResult[] = [];
  for (const [name, cases] of parts) results.push(await runNotesEval(name, cases, extractWithRules));
  results.push(await runNotesEval('all', [...parts.values()].flat(), extractWithRules));
  const markdown = renderNotesMarkdown(results);
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${date}-notes.md`);
  writeFileSync(path, `# Notes eval ${date}\n\nCommand: \`npm run eval -- --datasets notes\`. part1 was written first and tuned on; part2, then part3, were each written afterwards and scored once before any change (their first-run figures: evals/reports/notes-part2-first-run.md), then their failures were fixed.\n\n${markdown}`);
  process.stdout.write(`${markdown}\nWrote ${relative(process.cwd(), path)}\n`);
  return results;
}
