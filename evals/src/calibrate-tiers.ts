#!/usr/bin/env node
/**
 * What the tier thresholds (DEFAULT_TIERS.hybrid in
 * server/src/knowledge/knowledge.search.ts) would be if chosen by rule on the
 * tuning questions alone, beside what the current ones do there:
 *
 *   npm run build && node evals/dist/calibrate-tiers.js [--data <dir>]
 *
 * The same tuning data as calibrate-floors.ts: the sales set's `-a` questions
 * in scope, 300 LCQMC / ATEC/CCKS / BQ sentences as off-topic stand-ins. A
 * question's tier is the server's own (`overallConfidence`,
 * retrieval/confidence.ts) of its best relevance and gate score. The rule:
 * - `floor`, `gate`, `override`: the most off-topic stand-ins `none` with at
 *   most {@link IN_SCOPE_NONE_BUDGET} of the in-scope questions `none` (issue
 *   15 allows 2 in 80); among equals the most permissive (lowest floor and
 *   gate, highest override), so a real question keeps its answer;
 * - `high`: the lowest relevance at which at most {@link OFF_TOPIC_HIGH_BUDGET}
 *   of the off-topic stand-ins would be `high`.
 * It proposes; it changes nothing. The parts written after tuning
 * (sales-objections-late / -fresh) are where any choice is measured.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TIERS, overallConfidence, type TierThresholds } from '@huashu/server';
import { calibrationSet } from './datasets.js';
import { KnowledgeBaseCache, runRetrievalEval } from './runner.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Share of in-scope tuning questions that may be `none`. */
const IN_SCOPE_NONE_BUDGET = 2 / 80;
/** Share of off-topic stand-ins that may be `high`. */
const OFF_TOPIC_HIGH_BUDGET = 0.01;

interface Point {
  relevance: number;
  gate: number;
}
type Tiers = TierThresholds;

const isNone = (p: Point, t: Tiers) => overallConfidence(p.relevance, p.gate, t) === 'none';
const isHigh = (p: Point, t: Tiers) => overallConfidence(p.relevance, p.gate, t) === 'high';
const steps = (from: number, to: number, step: number) => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Math.round((from + i * step) * 100) / 100);

function describe(label: string, t: Tiers, inScope: Point[], off: Point[]): string {
  const count = (points: Point[], test: (p: Point) => boolean) => points.filter(test).length;
  return (
    `${label.padEnd(9)} floor ${t.floor.toFixed(2)}  gate ${t.gate.toFixed(2)}  override ${t.override.toFixed(2)}  high ${t.high.toFixed(2)}  →  ` +
    `in-scope none ${count(inScope, (p) => isNone(p, t))}/${inScope.length}, high ${count(inScope, (p) => isHigh(p, t))}/${inScope.length};  ` +
    `off-topic none ${count(off, (p) => isNone(p, t))}/${off.length}, high ${count(off, (p) => isHigh(p, t))}/${off.length}\n`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  const dataDir = resolve(values.data ?? process.env.HUASHU_EVAL_DATA ?? join(repoRoot, '..', 'shared', 'data'));
  const tuning = calibrationSet(repoRoot, dataDir);
  const knowledgeBases = new KnowledgeBaseCache();
  try {
    const result = await runRetrievalEval({ kind: 'huashu', name: 'hybrid', mode: 'hybrid', floor: 0 }, tuning, { knowledgeBases });
    const point = (record: { topRelevance: number; gate?: number }): Point => ({ relevance: record.topRelevance, gate: record.gate ?? 0 });
    const inScope = result.queries.map(point);
    const off = result.outOfScope.map(point);
    const allowed = Math.floor(IN_SCOPE_NONE_BUDGET * inScope.length);
    process.stdout.write(`${inScope.length} in-scope tuning questions (at most ${allowed} may be none), ${off.length} off-topic stand-ins\n`);
    let best: Tiers | undefined;
    let bestOff = -1;
    for (const floor of steps(0.04, 0.2, 0.01))
      for (const gate of steps(-1.5, 0.5, 0.05))
        for (const override of steps(0.3, 0.6, 0.05)) {
          const t = { floor, gate, override, high: 1 };
          if (inScope.filter((p) => isNone(p, t)).length > allowed) continue;
          const offNone = off.filter((p) => isNone(p, t)).length;
          if (offNone > bestOff) [best, bestOff] = [t, offNone];
        }
    if (!best) throw new Error('no thresholds keep the in-scope budget');
    const highAllowed = Math.floor(OFF_TOPIC_HIGH_BUDGET * off.length);
    best.high = steps(0, 1, 0.01).find((high) => off.filter((p) => isHigh(p, { ...best!, high })).length <= highAllowed) ?? 1;
    process.stdout.write(describe('current', DEFAULT_TIERS.hybrid, inScope, off));
    process.stdout.write(describe('proposed', best, inScope, off));
  } finally {
    await knowledgeBases.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`calibration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
