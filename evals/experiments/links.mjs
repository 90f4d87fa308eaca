// Offline replica of the ranking with the links between phrasings (issue 15), used to choose
// REPORTED_LEVEL (knowledge.search.ts): run after `npm run build` from the repository root:
//   node evals/experiments/links.mjs <bq|lcqmc|atec-ccks> <tuning|held-out> '<json list of configurations>'
// A configuration: b = boost of a linked entry, excludeDirect = no boost for the entries reported for the
// question itself, directLevel = a floor under their relevance instead, minHop / maxHop / d (decay per tie), mode.
// Scores every entry sharing a term (0.4 dense + 0.6 BM25, as the hybrid's shape), no candidate cut.
import { lexicalTerms } from '../../server/dist/retrieval/terms.js';
import { normalisedBm25, termCounts } from '../../server/dist/retrieval/ranking.js';
import { LocalEmbeddings } from '../../server/dist/retrieval/local-embedder.js';
import { buildSuccessLinks, phrasingKey } from '../../server/dist/retrieval/success-links.js';
import { loadFaqLearning } from '../../evals/dist/learning.js';
const corpus = process.argv[2] ?? 'bq';
const split = process.argv[3] ?? 'tuning';
const data = loadFaqLearning(process.env.HUASHU_EVAL_DATA ?? '../shared/data', corpus, {});
const emb = new LocalEmbeddings();
const prep = (text) => ({ text, terms: lexicalTerms(text), vec: emb.embedText(text) });
const entries = data.dataset.entries.map((e) => ({ id: e.externalId, ...prep(e.question) }));
const df = new Map(); for (const e of entries) for (const t of new Set(e.terms)) df.set(t, (df.get(t) ?? 0) + 1);
const stats = { documents: entries.length, averageLength: entries.reduce((s, e) => s + e.terms.length, 0) / entries.length, documentFrequency: df };
entries.forEach((e) => { e.counts = termCounts(e.terms); });
const postings = new Map(); entries.forEach((e, i) => { for (const t of e.counts.keys()) { let l = postings.get(t); if (!l) postings.set(t, (l = [])); l.push(i); } });
const cos = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const byId = new Map(entries.map((e) => [e.id, e]));
const feedback = split === 'tuning' ? data.feedbackTuning : [...data.feedbackTuning, ...data.tuning];
const measured = split === 'tuning' ? data.tuningMeasured : data.heldOut;
const entriesByText = new Map(); for (const e of entries) { const k = phrasingKey(e.text); entriesByText.set(k, [...(entriesByText.get(k) ?? []), e.id]); }
const links = buildSuccessLinks(feedback.map((q) => ({ question: phrasingKey(q.text), entryText: phrasingKey(byId.get(q.relevant[0]).text), entryId: q.relevant[0], weight: 1 })), entriesByText);
function linked(question, maxHops = 4, cap = 30) {
  const found = new Map();
  if (!Object.hasOwn(links.ties, question)) return found;
  const seen = new Set([question]); let frontier = [question];
  for (let hop = 1; hop <= maxHops && frontier.length; hop++) {
    const next = [];
    for (const t of frontier) for (const o of links.ties[t] ?? []) { if (seen.has(o)) continue; seen.add(o); next.push(o); for (const id of links.entries[o] ?? []) if (!found.has(id)) found.set(id, hop); }
    if (found.size > cap) return new Map();
    frontier = next;
  }
  return found;
}
// Precompute base scores (top 200 + linked)
const direct = new Map(); for (const q of feedback) { const k = phrasingKey(q.text); direct.set(k, [...(direct.get(k) ?? []), q.relevant[0]]); }
const pre = measured.map((q) => {
  const p = prep(q.text);
  const seen = new Set(); for (const t of new Set(p.terms)) for (const i of postings.get(t) ?? []) seen.add(i);
  const base = new Map();
  for (const i of seen) base.set(entries[i].id, 0.4 * Math.max(0, cos(p.vec, entries[i].vec)) + 0.6 * normalisedBm25(p.terms, entries[i].counts, entries[i].terms.length, stats));
  const L = linked(phrasingKey(q.text));
  for (const id of L.keys()) if (!base.has(id)) { const e = byId.get(id); base.set(id, 0.4 * Math.max(0, cos(p.vec, e.vec))); }
  return { q, base, L, D: new Set(direct.get(phrasingKey(q.text)) ?? []) };
});
const hopHist = {}; for (const { q, L } of pre) { const h = L.get(q.relevant[0]); hopHist[h ?? 'none'] = (hopHist[h ?? 'none'] ?? 0) + 1; hopHist.anyLinked = (hopHist.anyLinked ?? 0) + (L.size > 0); }
console.log(corpus, split, 'n', measured.length, 'relevant at hop', JSON.stringify(hopHist));
for (const cfg of JSON.parse(process.argv[4] ?? '[{"b":0},{"b":0.6},{"b":0.6,"d":0.5},{"b":0.6,"d":0.25},{"b":0.6,"mode":"noisyor"},{"b":0.6,"d":0.5,"mode":"noisyor"}]')) {
  let hit = 0, hit1 = 0;
  for (const { q, base, L, D } of pre) {
    const s = [...base].map(([id, r]) => { const h = L.get(id); let b = h ? cfg.b * Math.pow(cfg.d ?? 1, h - 1) : 0; if (h && cfg.maxHop && h > cfg.maxHop) b = 0; if (h && cfg.minHop && h < cfg.minHop) b = 0; if (cfg.excludeDirect && D.has(id)) b = 0; if (cfg.directLevel !== undefined && D.has(id)) return [id, Math.max(r + (h && !cfg.excludeDirect ? 0 : 0), cfg.directLevel)]; const v = cfg.mode === 'noisyor' ? 1 - (1 - r) * (1 - b) : cfg.mode === 'max' ? (h && b ? Math.max(r, cfg.level + 0.01 * r) : r) : r + b; return [id, v]; }).sort((a, b) => b[1] - a[1]);
    if (s.slice(0, 3).some(([id]) => id === q.relevant[0])) hit++;
    if (s[0]?.[0] === q.relevant[0]) hit1++;
  }
  console.log(corpus, split, JSON.stringify(cfg), 'R@1', (hit1 / pre.length).toFixed(3), 'R@3', (hit / pre.length).toFixed(3));
}
