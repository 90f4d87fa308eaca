import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeEntryInput } from '@huashu/core';
import { fnv1a } from './stable-hash.js';

/** One question with the entries (by externalId) that answer it. */
export interface EvalQuery {
  id: string;
  text: string;
  relevant: string[];
}

export interface OutOfScopeQuery {
  id: string;
  text: string;
}

/**
 * A knowledge base plus questions: the input of `runRetrievalEval`.
 * Every entry has an `externalId`, which is what `relevant` refers to.
 */
export interface EvalDataset {
  name: string;
  /** One line for the report: where the data comes from and how it was built. */
  description: string;
  entries: Array<KnowledgeEntryInput & { externalId: string }>;
  queries: EvalQuery[];
  outOfScope: OutOfScopeQuery[];
  /**
   * Named subsets of `queries` reported separately, e.g. the questions used to
   * tune the ranking versus the held-out ones.
   */
  splits?: Record<string, (query: EvalQuery) => boolean>;
  /** Facts the report must state (subsampling, construction choices). */
  notes: string[];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as T;
      } catch (error) {
        throw new Error(`${file}:${index + 1} is not valid JSON`, { cause: error });
      }
    });
}

/** The parts of the sales-objection set. */
export type SalesPart = 'original' | 'late' | 'fresh' | 'third';

/** The dataset name of the sales set's part written after tuning. */
export const SALES_LATE = 'sales-objections-late';
/** The dataset name of its second part written after tuning. */
export const SALES_FRESH = 'sales-objections-fresh';
/** The dataset name of its third part written after tuning. */
export const SALES_THIRD = 'sales-objections-third';

/**
 * Other companies' knowledge bases with their own questions, each in
 * evals/datasets/<name>/: the gate and the ranking meet a vocabulary nothing
 * was tuned on, as an independent check importing its own entries does.
 */
export const OTHER_TENANTS = {
  'sales-objections-energy': 'commercial energy storage and rooftop solar',
  'sales-objections-hr-saas': 'an HR SaaS (attendance, payroll, social insurance): its own words overlap office questions',
} as const;
export type OtherTenant = keyof typeof OTHER_TENANTS;
const TENANTS_WRITTEN = '2026-12-04 (night) by helper agents that saw none of the assistant\'s code, constants or other sets';

/** The sets nothing was tuned on, each scored once before any change after it was written. */
export const SALES_UNTUNED = [SALES_LATE, SALES_FRESH, SALES_THIRD, ...(Object.keys(OTHER_TENANTS) as OtherTenant[])] as const;

/** Each later part's files are `queries-<part>.jsonl` and `out-of-scope-<part>.jsonl`. */
const PARTS: Record<Exclude<SalesPart, 'original'>, { name: string; written: string }> = {
  late: { name: SALES_LATE, written: '2026-12-04, after every ranking, tier and gate constant was chosen' },
  fresh: { name: SALES_FRESH, written: '2026-12-04 (evening), after the `late` part and every constant in use, in a shorter chat style' },
  third: { name: SALES_THIRD, written: '2026-12-04 (evening), after the `fresh` part, before the joint tier rule was tried' },
};

/** Entries, questions and off-topic questions of a hand-written set, the questions checked against the entries. */
function readWrittenSet(directory: string, suffix: string, label: string): Pick<EvalDataset, 'entries' | 'queries' | 'outOfScope'> {
  const entries = readJsonl<KnowledgeEntryInput & { externalId: string }>(join(directory, 'entries.jsonl'));
  const queries = readJsonl<{ id: string; query: string; relevant: string[] }>(join(directory, `queries${suffix}.jsonl`));
  const outOfScope = readJsonl<{ id: string; query: string }>(join(directory, `out-of-scope${suffix}.jsonl`));
  const known = new Set(entries.map((entry) => entry.externalId));
  for (const query of queries) {
    const unknown = query.relevant.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`${label}: query ${query.id} names unknown entries ${unknown.join(', ')}`);
  }
  return {
    entries,
    queries: queries.map((query) => ({ id: query.id, text: query.query, relevant: query.relevant })),
    outOfScope: outOfScope.map((query) => ({ id: query.id, text: query.query })),
  };
}

/**
 * The hand-written sales-objection set (evals/datasets/sales-objections). The
 * ranking was tuned on the original part's `-a` questions only, so `-b`/`-c`
 * are held out. The `late` part (`-d` questions and `oos-l-` off-topic ones)
 * and the `fresh` part (`-e`, `oos-f-`), same entries, were written after
 * every constant was chosen; each one's first run is recorded in the
 * dataset's README before anything changed.
 */
export function loadSalesObjections(directory: string, part: SalesPart = 'original'): EvalDataset {
  const later = part === 'original' ? undefined : PARTS[part];
  const set = readWrittenSet(directory, later ? `-${part}` : '', 'sales-objections');
  const tuning = (query: EvalQuery) => query.id.endsWith('-a');
  return {
    name: later ? later.name : 'sales-objections',
    description: `${set.entries.length} hand-written objection-handling entries (zh + en), ${set.queries.length} rep questions, ${set.outOfScope.length} out-of-scope questions${later ? ', written after all tuning' : ''}`,
    ...set,
    splits: later ? {} : { 'tuning (-a)': tuning, 'held out (-b, -c)': (query) => !tuning(query) },
    notes: later ? [`Written on ${later.written}; nothing was tuned on it.`] : [],
  };
}

/** Another company's set (OTHER_TENANTS), from evals/datasets/<name>. */
export function loadOtherTenant(datasetsDirectory: string, name: OtherTenant): EvalDataset {
  const set = readWrittenSet(join(datasetsDirectory, name), '', name);
  return {
    name,
    description: `another company's base: ${OTHER_TENANTS[name]}; ${set.entries.length} entries, ${set.queries.length} rep questions, ${set.outOfScope.length} off-topic questions`,
    ...set,
    splits: {},
    notes: [`Written on ${TENANTS_WRITTEN}; nothing was tuned on it.`],
  };
}

/** The question-pair corpora of /work/shared/data/faq-pairs (see its README). */
export type FaqCorpus = 'lcqmc' | 'bq' | 'atec-ccks';

interface CorpusFormat {
  file: string;
  label: string;
  header: boolean;
  parse: (text: string) => string[][];
}

/**
 * Minimal RFC 4180 reader: quoted fields may hold commas, newlines and doubled
 * quotes. BQ's dev split quotes a few dozen sentences that contain commas, so
 * splitting on "," would misread them.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const parseTsv = (text: string) => text.split(/\r?\n/).map((line) => line.split('\t'));

const CORPORA: Record<FaqCorpus, CorpusFormat> = {
  lcqmc: { file: 'lcqmc-dev.tsv', label: 'LCQMC dev', header: false, parse: parseTsv },
  bq: { file: 'bq-dev.csv', label: 'BQ dev', header: true, parse: parseCsv },
  'atec-ccks': { file: 'atec-ccks-dev.tsv', label: 'ATEC/CCKS dev', header: true, parse: parseTsv },
};

/** Where a corpus file would be, so a caller can say what is missing. */
export function faqCorpusPath(dataDirectory: string, corpus: FaqCorpus): string {
  return join(dataDirectory, 'faq-pairs', CORPORA[corpus].file);
}

export interface FaqLoadOptions {
  /** Keep at most this many queries (a deterministic sample); the KB is never cut. */
  maxQueries?: number;
  /** Use only the first `maxPairs` rows of the file (KB and queries both), for small smoke sets. */
  maxPairs?: number;
}

/**
 * An FAQ-retrieval benchmark from a question-pair corpus, built the way
 * faq-pairs/README.md describes: the KB is every distinct second sentence
 * (positives and negatives alike, so negatives act as hard distractors); each
 * positive pair is one query, its first sentence, whose only relevant entry is
 * its second sentence. Entries need an answer and evidence to pass the
 * importer's validation: the answer is the sentence itself and the evidence a
 * fixed `{ kind: 'other', title: '<corpus> dev' }`; neither is searched
 * differently from a real entry's (the answer repeats the question's words).
 *
 * Returns undefined when the corpus file is absent (the data folder is not part
 * of the repository); callers report the skip.
 */
/** One row of a question-pair corpus, trimmed; `row` is its 1-based position among the non-blank pairs (query ids use it). */
export interface FaqPair {
  row: number;
  first: string;
  second: string;
  positive: boolean;
}

/** The corpus file's pairs (blank sentences dropped), or undefined when the file is absent. */
export function readFaqPairs(dataDirectory: string, corpus: FaqCorpus, options: Pick<FaqLoadOptions, 'maxPairs'> = {}): { pairs: FaqPair[]; rows: number } | undefined {
  const format = CORPORA[corpus];
  const file = faqCorpusPath(dataDirectory, corpus);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  let rows = format.parse(text).filter((row) => row.some((cell) => cell.trim() !== ''));
  if (format.header) rows = rows.slice(1);
  const malformed = rows.findIndex((row) => row.length !== 3);
  if (malformed >= 0) throw new Error(`${file}: row ${malformed + (format.header ? 2 : 1)} has ${rows[malformed]!.length} columns, expected 3`);
  if (options.maxPairs !== undefined) rows = rows.slice(0, options.maxPairs);
  // The importer trims questions, so distinctness is decided on trimmed text;
  // a blank sentence cannot be an entry or a query.
  const pairs = rows
    .map(([first, second, label]) => ({ first: first!.trim(), second: second!.trim(), positive: label!.trim() === '1' }))
    .filter((pair) => pair.first !== '' && pair.second !== '')
    .map((pair, index) => ({ row: index + 1, ...pair }));
  return { pairs, rows: rows.length };
}

export function loadFaqPairs(dataDirectory: string, corpus: FaqCorpus, options: FaqLoadOptions = {}): EvalDataset | undefined {
  const format = CORPORA[corpus];
  const read = readFaqPairs(dataDirectory, corpus, options);
  if (!read) return undefined;
  const { pairs, rows } = read;
  const entryIds = new Map<string, string>();
  for (const pair of pairs) if (!entryIds.has(pair.second)) entryIds.set(pair.second, `${corpus}-e${entryIds.size + 1}`);
  const entries = [...entryIds].map(([sentence, externalId]) => ({
    externalId,
    question: sentence,
    answer: sentence,
    evidence: [{ kind: 'other' as const, title: format.label }],
    status: 'approved' as const,
  }));
  const allQueries = pairs
    .filter((pair) => pair.positive)
    .map((pair) => ({ id: `${corpus}-q${pair.row}`, text: pair.first, relevant: [entryIds.get(pair.second)!] }));

  const notes: string[] = [];
  let queries = allQueries;
  if (options.maxQueries !== undefined && allQueries.length > options.maxQueries) {
    // Ordered by hash, samples of different sizes are nested (the first 500 are
    // inside the first 1,000), so numbers from different budgets compare.
    const kept = new Set(
      [...allQueries].sort((a, b) => fnv1a(a.id) - fnv1a(b.id) || a.id.localeCompare(b.id)).slice(0, options.maxQueries),
    );
    queries = allQueries.filter((query) => kept.has(query));
    notes.push(
      `${format.label}: ${queries.length} of ${allQueries.length} positive pairs used as queries (deterministic sample by FNV-1a of the query id); the KB keeps all ${entries.length} entries.`,
    );
  }
  const scope = options.maxPairs !== undefined ? `first ${rows} rows of ` : '';
  return {
    name: corpus,
    description: `${scope}${format.label}: ${entries.length} entries (every distinct second sentence), ${queries.length} queries (first sentences of positive pairs)`,
    entries,
    queries,
    outOfScope: [],
    notes,
  };
}

/** Off-topic stand-ins per corpus for calibration: enough to estimate an abstention rate to about ±5 points. */
const OFF_TOPIC_PER_CORPUS = 100;

/**
 * The calibration scripts' tuning set (calibrate-floors.ts, calibrate-tiers.ts): the sales
 * set's `-a` questions in scope, and 100 first sentences each of LCQMC, ATEC/CCKS and BQ
 * (general and banking questions, off-topic for a sales KB) as off-topic stand-ins.
 */
export function calibrationSet(repoRoot: string, dataDir: string): EvalDataset {
  const sales = loadSalesObjections(join(repoRoot, 'evals', 'datasets', 'sales-objections'));
  const offTopic = (['lcqmc', 'atec-ccks', 'bq'] as const satisfies readonly FaqCorpus[]).flatMap((corpus) => {
    const faq = loadFaqPairs(dataDir, corpus, { maxQueries: OFF_TOPIC_PER_CORPUS });
    if (!faq) process.stderr.write(`no ${corpus} corpus under ${dataDir}: calibrating without its off-topic stand-ins\n`);
    return faq ? faq.queries.map((query) => ({ id: query.id, text: query.text })) : [];
  });
  return { ...sales, name: 'sales-objections (tuning)', queries: sales.queries.filter((query) => query.id.endsWith('-a')), outOfScope: offTopic, splits: {} };
}
