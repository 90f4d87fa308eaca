// Offline experiment for the learned ranker (issue 15, section 5): run after `npm run build` from the repository root:
//   node evals/experiments/base.mjs <atec-ccks|bq|lcqmc> '<json options>'
// Uses only half A of a corpus (feedback on A′, measured on A″).
import { lexicalTerms } from '../../server/dist/retrieval/terms.js';
import { normalizeText } from '../../server/dist/retrieval/normalize.js';
import { normalisedBm25, termCounts } from '../../server/dist/retrieval/ranking.js';
import { loadFaqLearning } from '../../evals/dist/learning.js';
const corpus = process.argv[2] ?? 'atec-ccks';
const data = loadFaqLearning(process.env.HUASHU_EVAL_DATA ?? '../shared/data', corpus, {});
const HAN = /\p{Script=Han}/u;
const fns = {
  lexical: lexicalTerms,
  lexChars: (t) => lexicalTerms(t).filter((x) => x.length === 1),
  lexWords: (t) => lexicalTerms(t).filter((x) => x.length > 1),
  allChars: (t) => [...normalizeText(t)].filter((c) => c.trim() !== ''),
  charsBigrams: (t) => { const c = [...normalizeText(t)].filter((c) => c.trim() !== ''); return [...c, ...c.slice(1).map((x, i) => c[i] + x)]; },
  lexPlusStopChars: (t) => { const l = lexicalTerms(t); const s = new Set(l); return [...l, ...[...normalizeText(t)].filter((c) => HAN.test(c) && !s.has(c))]; },
};
for (const [name, fn] of Object.entries(fns)) {
  const entries = data.dataset.entries.map((e) => ({ id: e.externalId, terms: fn(e.question) }));
  const df = new Map(); for (const e of entries) for (const t of new Set(e.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const stats = { documents: entries.length, averageLength: entries.reduce((s, e) => s + e.terms.length, 0) / entries.length, documentFrequency: df };
  const postings = new Map();
  entries.forEach((e, i) => { e.counts = termCounts(e.terms); for (const t of e.counts.keys()) { let l = postings.get(t); if (!l) postings.set(t, (l = [])); l.push(i); } });
  const byId = new Map(entries.map((e, i) => [e.id, i]));
  let hit = 0;
  for (const q of data.tuningMeasured) {
    const qt = fn(q.text); const seen = new Set();
    for (const t of new Set(qt)) for (const i of postings.get(t) ?? []) seen.add(i);
    const s = [...seen].map((i) => [i, normalisedBm25(qt, entries[i].counts, entries[i].terms.length, stats)]).sort((a, b) => b[1] - a[1]);
    if (s.slice(0, 3).some(([i]) => i === byId.get(q.relevant[0]))) hit++;
  }
  console.log(corpus, name, (hit / data.tuningMeasured.length).toFixed(3));
}
