import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';

export type KnowledgeFileFormat = 'jsonl' | 'json' | 'csv';

/**
 * The CSV layout `huashu kb import` reads (first row is the header, UTF-8 with
 * or without BOM; columns in any order, unknown columns are an error):
 *
 * | column          | meaning                                                         |
 * |-----------------|-----------------------------------------------------------------|
 * | external_id     | optional upsert key                                             |
 * | question        | 客户原话 (required)                                              |
 * | answer          | 标准应答话术 (required)                                          |
 * | evidence_kind   | case / test_report / certification / document / other          |
 * | evidence_title  | title of the evidence (required with evidence_kind)             |
 * | evidence_url    | optional http(s) link                                            |
 * | evidence        | optional JSON array of further evidence items                   |
 * | tags            | tags separated by `|` (e.g. 价格异议|竞品对比)                    |
 * | industry, product, status | optional                                               |
 */
export const CSV_COLUMNS = [
  'external_id',
  'question',
  'answer',
  'evidence_kind',
  'evidence_title',
  'evidence_url',
  'evidence',
  'tags',
  'industry',
  'product',
  'status',
] as const;

export function detectFormat(path: string): KnowledgeFileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new Error(`cannot tell the format of "${path}": use .jsonl, .json or .csv`);
}

export class KnowledgeFileError extends Error {
  override name = 'KnowledgeFileError';
}

const empty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

function csvRows(text: string): unknown[] {
  const records = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, trim: false }) as Record<string, string>[];
  if (records.length === 0) return [];
  const unknown = Object.keys(records[0]!).filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
  if (unknown.length > 0) throw new KnowledgeFileError(`unknown CSV column(s): ${unknown.join(', ')}; expected ${CSV_COLUMNS.join(', ')}`);
  return records.map((record, index) => {
    const evidence: unknown[] = [];
    if (empty(record['evidence_kind']) || empty(record['evidence_title'])) {
      evidence.push({ kind: empty(record['evidence_kind']), title: empty(record['evidence_title']), ...(empty(record['evidence_url']) ? { url: empty(record['evidence_url']) } : {}) });
    }
    const more = empty(record['evidence']);
    if (more) {
      try {
        const parsed = JSON.parse(more) as unknown;
        evidence.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      } catch {
        throw new KnowledgeFileError(`row ${index + 2}: the evidence column is not a JSON array`);
      }
    }
    const tags = empty(record['tags'])?.split('|').map((tag) => tag.trim()).filter(Boolean);
    const row: Record<string, unknown> = { question: empty(record['question']), answer: empty(record['answer']), evidence };
    if (empty(record['external_id'])) row['externalId'] = empty(record['external_id']);
    if (tags?.length) row['tags'] = tags;
    for (const field of ['industry', 'product', 'status'] as const) if (empty(record[field])) row[field] = empty(record[field]);
    return row;
  });
}

/** Parses a knowledge file into raw rows; each row is validated later by the import itself. */
export function parseKnowledgeFile(text: string, format: KnowledgeFileFormat): unknown[] {
  const body = text.replace(/^\uFEFF/, '');
  if (format === 'csv') return csvRows(body);
  if (format === 'json') {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) return parsed;
    if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { entries?: unknown }).entries)) return (parsed as { entries: unknown[] }).entries;
    throw new KnowledgeFileError('a JSON file must hold an array of entries or { "entries": [...] }');
  }
  return body.split(/\r?\n/).flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch {
      throw new KnowledgeFileError(`line ${index + 1} is not valid JSON`);
    }
  });
}
