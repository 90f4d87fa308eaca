// Offline experiment for the learned ranker (issue 15, section 5): run after `npm run build` from the repository root:
//   node evals/experiments/fusion.mjs <atec-ccks|bq|lcqmc> '<json options>'
// Uses only half A of a corpus (feedback on A′, measured on A″) unless options.split = 'held-out'.
import { lexicalTerms } from '../../server/dist/retrieval/terms.js';
import { normalizeText } from '../../server/dist/retrieval/normalize.js';
import { normalisedBm25, termCounts } from '../../server/dist/retrieval/ranking.js';
import { LocalEmbeddings } from '../../server/dist/retrieval/local-embedder.js';
import { loadFaqLearning } from '../../evals/dist/learning.js';
const corpus = process.argv[2] ?? 'atec-ccks';
const opts = JSON.parse(process.argv[3] ?? '{}');
const split = opts.split ?? 'tuning';
const data = loadFaqLearning(process.env.HUASHU_EVAL_DATA ?? '../shared/data', corpus, {});
const emb = new LocalEmbeddings();
const chars = (t) => [...t].filter((c) => c.trim() !== '' && /[\p{L}\p{N}]/u.test(c));
const bigr = (c) => c.slice(1).map((x, i) => c[i] + x);
const dice = (a, b) => { if (!a.size || !b.size) return 0; let n = 0; for (const x of a) if (b.has(x)) n++; return 2 * n / (a.size + b.size); };
const prep = (text) => { const norm = normalizeText(text); const c = chars(norm); return { terms: lexicalTerms(text), ct: c, c1: new Set(c), c2: new Set(bigr(c)), vec: emb.embedText(text), len: c.length }; };
const entries = data.dataset.entries.map((e) => ({ id: e.externalId, ...prep(e.question) }));
const df = new Map(); for (const e of entries) for (const t of new Set(e.terms)) df.set(t, (df.get(t) ?? 0) + 1);
const stats = { documents: entries.length, averageLength: entries.reduce((s, e) => s + e.terms.length, 0) / entries.length, documentFrequency: df };
const cdf = new Map(); for (const e of entries) for (const t of e.c1) cdf.set(t, (cdf.get(t) ?? 0) + 1);
const cstats = { documents: entries.length, averageLength: entries.reduce((s, e) => s + e.ct.length, 0) / entries.length, documentFrequency: cdf };
for (const e of entries) e.cc = termCounts(e.ct);
const postings = new Map();
entries.forEach((e, i) => { e.counts = termCounts(e.terms); for (const t of e.counts.keys()) { let l = postings.get(t); if (!l) postings.set(t, (l = [])); l.push(i); } });
const byId = new Map(entries.map((e, i) => [e.id, i]));
const cos = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
function feats(q, e) {
  const lex = normalisedBm25(q.terms, e.counts, e.terms.length, stats);
  const dense = Math.max(0, cos(q.vec, e.vec));
  const ch = normalisedBm25(q.ct, e.cc, e.ct.length, cstats); const a = opts.alpha ?? 0; return { base: (1 - a) * (0.4 * dense + 0.6 * lex) + a * ch, f: [dense, lex, dice(q.c1, e.c1), dice(q.c2, e.c2), ch] };
}
function candidates(q, n = 60) {
  const lexS = new Map();
  for (const t of new Set(q.terms)) { const l = postings.get(t); if (l && l.length < entries.length * 0.05) for (const i of l) lexS.set(i, 0); }
  const lexTop = [...lexS.keys()].map((i) => [i, normalisedBm25(q.terms, entries[i].counts, entries[i].terms.length, stats)]).sort((a, b) => b[1] - a[1]).slice(0, n).map(([i]) => i);
  const denseTop = entries.map((e, i) => [i, cos(q.vec, e.vec)]).sort((a, b) => b[1] - a[1]).slice(0, n).map(([i]) => i);
  return [...new Set([...lexTop, ...denseTop])].map((i) => ({ i, ...feats(q, entries[i]) })).sort((a, b) => b.base - a.base);
}
const feedback = split === 'tuning' ? data.feedbackTuning : [...data.feedbackTuning, ...data.tuning];
const measured = split === 'tuning' ? data.tuningMeasured : data.heldOut;
const K = opts.K ?? 30;
const train = feedback.map((q) => { const p = prep(q.text); const pi = byId.get(q.relevant[0]); const c = candidates(p); const pos = c.find((x) => x.i === pi); return pos ? { pos, negs: c.filter((x) => x.i !== pi).slice(0, K) } : undefined; }).filter(Boolean);
const D = 5; if (opts.nolearn) opts.epochs = 0; const w = new Float64Array(D); const g2 = new Float64Array(D).fill(1e-8);
const lr = opts.lr ?? 0.05, scale = opts.scale ?? 10, epochs = opts.epochs ?? 10, l2 = opts.l2 ?? 1e-3;
const s = (x) => x.base + x.f.reduce((a, v, k) => a + v * w[k], 0);
for (let ep = 0; ep < epochs; ep++) for (const ex of train) { const sp = s(ex.pos); for (const n of ex.negs) { const m = scale * (sp - s(n)); const sig = 1 / (1 + Math.exp(m)); if (sig < 1e-4) continue; for (let k = 0; k < D; k++) { const g = -scale * sig * (ex.pos.f[k] - n.f[k]) + l2 * w[k]; g2[k] += g * g; w[k] -= lr / Math.sqrt(g2[k]) * g; } } }
let hb = 0, hl = 0;
for (const q of measured) { const p = prep(q.text); const c = candidates(p); const rel = byId.get(q.relevant[0]); if (c.slice(0, 3).some((x) => x.i === rel)) hb++; if ([...c].sort((a, b) => s(b) - s(a)).slice(0, 3).some((x) => x.i === rel)) hl++; }
console.log(JSON.stringify({ corpus, split, opts, train: train.length, n: measured.length, base: +(hb / measured.length).toFixed(3), learned: +(hl / measured.length).toFixed(3), w: [...w].map((x) => +x.toFixed(3)) }));
