// Offline experiment for the learned ranker (issue 15, section 5): run after `npm run build` from the repository root:
//   node evals/experiments/learned-ranker.mjs <atec-ccks|bq|lcqmc> '<json options>'
// Uses only half A of a corpus (feedback on A′, measured on A″); a third argument 'held-out' measures B (never used for tuning).
import { lexicalTerms as lex0 } from '../../server/dist/retrieval/terms.js';
import { normalizeText } from '../../server/dist/retrieval/normalize.js';
import { normalisedBm25, termCounts, idf } from '../../server/dist/retrieval/ranking.js';
import { trainRanker, pairFeatures, dot } from '../../evals/dist/learned-ranker.js';
import { loadFaqLearning } from '../../evals/dist/learning.js';
import { CharacterBm25 } from '../../evals/dist/bm25-baseline.js';

const corpus = process.argv[2] ?? 'atec-ccks';
const opts = JSON.parse(process.argv[3] ?? '{}');
const K = opts.K ?? 30;
const allChars = (t) => [...normalizeText(t)].filter((c) => c.trim() !== '');
const lexicalTerms = opts.terms === 'chars' ? allChars : opts.terms === 'cb' ? (t) => { const c = allChars(t); return [...c, ...c.slice(1).map((x, i) => c[i] + x)]; } : lex0;
const split = process.argv[4] ?? 'tuning';
const data = loadFaqLearning(process.env.HUASHU_EVAL_DATA ?? '../shared/data', corpus, {});
const entries = data.dataset.entries.map((e) => ({ id: e.externalId, terms: lexicalTerms(e.question) }));
const df = new Map();
for (const e of entries) for (const t of new Set(e.terms)) df.set(t, (df.get(t) ?? 0) + 1);
const stats = { documents: entries.length, averageLength: entries.reduce((s, e) => s + e.terms.length, 0) / entries.length, documentFrequency: df };
const postings = new Map();
entries.forEach((e, i) => { e.counts = termCounts(e.terms); for (const t of e.counts.keys()) { let l = postings.get(t); if (!l) postings.set(t, (l = [])); l.push(i); } });
const byId = new Map(entries.map((e, i) => [e.id, i]));
function candidates(qterms, n) {
  const seen = new Set();
  for (const t of new Set(qterms)) { const l = postings.get(t); if (l && l.length < entries.length * 0.3) for (const i of l) seen.add(i); }
  const scored = [...seen].map((i) => [i, normalisedBm25(qterms, entries[i].counts, entries[i].terms.length, stats)]);
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, n);
}
const t0 = performance.now();
let feedback = split === 'tuning' ? data.feedbackTuning : [...data.feedbackTuning, ...data.tuning];
const measured = opts.onTrain ? feedback : (split === "tuning" ? data.tuningMeasured : data.heldOut);
const measuredRel = new Set(measured.map((q) => byId.get(q.relevant[0])));
const examples = feedback.map((q) => {
  const qt = lexicalTerms(q.text);
  const pi = byId.get(q.relevant[0]);
  const pos = { terms: entries[pi].terms, base: normalisedBm25(qt, entries[pi].counts, entries[pi].terms.length, stats) };
  const cs = candidates(qt, opts.C ?? 100);
  if (opts.inCand && !cs.some(([i]) => i === pi)) return undefined;
  const negs = candidates(qt, K + 1).filter(([i]) => i !== pi && !(opts.diag && measuredRel.has(i))).slice(0, K).map(([i, b]) => ({ terms: entries[i].terms, base: b, weight: 1 }));
  return { question: qt, positive: pos, negatives: negs };
}).filter(Boolean);
const t1 = performance.now();
const model = trainRanker(examples, opts);
const t2 = performance.now();
const w = new Map(Object.entries(model.weights));
let hitB = 0, hitL = 0, inCand = 0;
const lam = opts.lambda ?? 1;
for (const q of measured) {
  const qt = lexicalTerms(q.text);
  const cands = candidates(qt, opts.C ?? 100);
  const rel = byId.get(q.relevant[0]);
  if (cands.some(([i]) => i === rel)) inCand++;
  if (cands.slice(0, 3).some(([i]) => i === rel)) hitB++;
  const re = cands.map(([i, b]) => [i, b + lam * dot(w, pairFeatures(qt, entries[i].terms, opts.cross ?? true, opts.families ?? "mqx"))]).sort((a, b) => b[1] - a[1]);
  if (re.slice(0, 3).some(([i]) => i === rel)) hitL++;
}
const bm = new CharacterBm25(data.dataset.entries.map((e) => ({ id: e.externalId, text: e.question })));
let hitA = 0; for (const q of measured) if (bm.search(q.text, 3).includes(q.relevant[0])) hitA++;
const n = measured.length;
console.log(JSON.stringify({ corpus, split, opts, n, bm25char: +(hitA/n).toFixed(3), base: +(hitB/n).toFixed(3), learned: +(hitL/n).toFixed(3), candRecall: +(inCand/n).toFixed(3), features: Object.keys(model.weights).length, prepMs: Math.round(t1-t0), trainMs: Math.round(t2-t1) }));
if (opts.dump) { const top = Object.entries(model.weights).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 40); console.log(top.map(([k, v]) => k.replace(/\u0001/g, '|') + '=' + v).join('  ')); }
