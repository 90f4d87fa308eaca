// Measures LocalEmbeddings configurations on LCQMC dev as an FAQ-retrieval task
// (knowledge base = every distinct second sentence, positives and negatives
// alike; query = first sentence of each positive pair; its one relevant entry =
// that pair's second sentence) and prints recall@1, recall@3 and MRR@10 of
// exact cosine ranking, plus embedding speed.
//
//   npx tsc -b evals      (or npm run build)
//   node evals/dist/tune-local-embedder.js [pairs.tsv]
//
// Every positive pair is used (no subsampling): hashed vectors have only a few
// dozen non-zero buckets, so scoring goes through an inverted index over those
// buckets, which yields the same dot products as a dense brute-force scan at a
// fraction of the cost (about a second per configuration).
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_FEATURE_WEIGHTS, LocalEmbeddings, type FeatureWeights } from '@huashu/server';

const DEFAULT_PATH = '/work/shared/data/faq-pairs/lcqmc-dev.tsv';

interface Benchmark {
  kb: string[];
  queries: { text: string; relevant: number }[];
}

function loadPairs(path: string): Benchmark {
  const kb: string[] = [];
  const index = new Map<string, number>();
  const queries: Benchmark['queries'] = [];
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const [q1, q2, label] = line.split('\t');
    // Also skips a header row (ATEC/CCKS has one).
    if (q1 === undefined || q2 === undefined || (label?.trim() !== '0' && label?.trim() !== '1')) continue;
    let id = index.get(q2);
    if (id === undefined) {
      id = kb.length;
      index.set(q2, id);
      kb.push(q2);
    }
    if (label.trim() === '1') queries.push({ text: q1, relevant: id });
  }
  return { kb, queries };
}

interface Metrics {
  recallAt1: number;
  recallAt3: number;
  mrrAt10: number;
  seconds: number;
}

function evaluate(embedder: LocalEmbeddings, { kb, queries }: Benchmark): Metrics {
  const started = performance.now();
  const postings: { docs: number[]; values: number[] }[] = Array.from({ length: embedder.dimensions }, () => ({
    docs: [],
    values: [],
  }));
  kb.forEach((text, doc) => {
    embedder.embedText(text).forEach((value, bucket) => {
      if (value === 0) return;
      const posting = postings[bucket];
      if (posting === undefined) return;
      posting.docs.push(doc);
      posting.values.push(value);
    });
  });
  const scores = new Float64Array(kb.length);
  let hits1 = 0;
  let hits3 = 0;
  let reciprocal = 0;
  for (const { text, relevant } of queries) {
    scores.fill(0);
    embedder.embedText(text).forEach((value, bucket) => {
      if (value === 0) return;
      const posting = postings[bucket];
      if (posting === undefined) return;
      for (let i = 0; i < posting.docs.length; i++) {
        const doc = posting.docs[i] as number;
        scores[doc] = (scores[doc] as number) + value * (posting.values[i] as number);
      }
    });
    // Ties count against the relevant entry, so the figures are never flattered
    // by a lucky ordering of equal scores.
    const target = scores[relevant] as number;
    let rank = 1;
    for (let doc = 0; doc < scores.length; doc++) {
      if (doc !== relevant && (scores[doc] as number) >= target) rank++;
    }
    if (rank === 1) hits1++;
    if (rank <= 3) hits3++;
    if (rank <= 10) reciprocal += 1 / rank;
  }
  const n = queries.length;
  return {
    recallAt1: hits1 / n,
    recallAt3: hits3 / n,
    mrrAt10: reciprocal / n,
    seconds: (performance.now() - started) / 1000,
  };
}

interface Speed {
  perCall: number;
  batch: number;
}

// Each mode runs twice and the second run counts, so JIT warm-up and the
// one-time dictionary loads do not show up as embedding cost.
async function measureSpeed(texts: string[]): Promise<Speed> {
  const embedder = new LocalEmbeddings();
  let perCall = 0;
  let batch = 0;
  for (let round = 0; round < 2; round++) {
    let started = performance.now();
    for (const text of texts) await embedder.embedQuery(text);
    perCall = texts.length / ((performance.now() - started) / 1000);
    started = performance.now();
    await embedder.embedDocuments(texts);
    batch = texts.length / ((performance.now() - started) / 1000);
  }
  return { perCall, batch };
}

function describeSpeed(label: string, texts: string[], speed: Speed): string {
  const meanChars = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  return (
    `${label}: ${texts.length} texts of ${meanChars.toFixed(0)} chars on average — ` +
    `embedQuery one call at a time ${Math.round(speed.perCall)} texts/s, embedDocuments in one batch ${Math.round(speed.batch)} texts/s`
  );
}

const CONFIGURATIONS: { label: string; weights: FeatureWeights }[] = [
  { label: 'words only', weights: { words: 1, charBigrams: 0, charUnigrams: 0 } },
  { label: 'char unigrams only', weights: { words: 0, charBigrams: 0, charUnigrams: 1 } },
  { label: 'words + bigrams, no unigrams', weights: { words: 1, charBigrams: 0.7, charUnigrams: 0 } },
  { label: 'words 1, bigrams 0.7, unigrams 0.3', weights: { words: 1, charBigrams: 0.7, charUnigrams: 0.3 } },
  { label: 'words 1, bigrams 1, unigrams 1', weights: { words: 1, charBigrams: 1, charUnigrams: 1 } },
  { label: 'words 1, bigrams 0.3, unigrams 1', weights: { words: 1, charBigrams: 0.3, charUnigrams: 1 } },
  { label: 'words 1, bigrams 0.5, unigrams 2', weights: { words: 1, charBigrams: 0.5, charUnigrams: 2 } },
  { label: 'words 1, bigrams 0.5, unigrams 1 (default)', weights: { ...DEFAULT_FEATURE_WEIGHTS } },
];

const DIMENSIONS = [256, 512, 1024];

async function main(): Promise<void> {
  const path = process.argv[2] ?? DEFAULT_PATH;
  if (!existsSync(path)) {
    console.log(`Skipped: ${path} not found (expected q1 TAB q2 TAB label, e.g. LCQMC dev).`);
    return;
  }
  const benchmark = loadPairs(path);
  console.log(`${path}: ${benchmark.kb.length} knowledge-base entries, ${benchmark.queries.length} queries (all positive pairs)\n`);
  const header = `${'configuration'.padEnd(44)} ${'dims'.padStart(5)} ${'R@1'.padStart(7)} ${'R@3'.padStart(7)} ${'MRR@10'.padStart(7)} ${'time'.padStart(7)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const { label, weights } of CONFIGURATIONS) {
    for (const dimensions of DIMENSIONS) {
      const m = evaluate(new LocalEmbeddings({ dimensions, weights }), benchmark);
      console.log(
        `${label.padEnd(44)} ${String(dimensions).padStart(5)} ${m.recallAt1.toFixed(4).padStart(7)} ${m.recallAt3.toFixed(4).padStart(7)} ${m.mrrAt10.toFixed(4).padStart(7)} ${`${m.seconds.toFixed(1)}s`.padStart(7)}`,
      );
    }
  }
  console.log('\nSpeed of the default configuration (one thread):');
  const questions = benchmark.kb.slice(0, 5000);
  console.log(describeSpeed('  questions', questions, await measureSpeed(questions)));
  // Knowledge-base answers are paragraphs rather than one-line questions.
  const paragraphs: string[] = [];
  for (let i = 0; i + 16 <= questions.length && paragraphs.length < 500; i += 16) {
    paragraphs.push(questions.slice(i, i + 16).join('，'));
  }
  console.log(describeSpeed('  paragraphs', paragraphs, await measureSpeed(paragraphs)));
}

await main();
