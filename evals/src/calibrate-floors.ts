#!/usr/bin/env node
/**
 * How the single abstention floor of each mode was chosen before the
 * confidence tiers replaced it (hybrid 0.16; the tiers' own thresholds, whose
 * `floor` is now DEFAULT_FLOORS, are compared with a rule in
 * calibrate-tiers.ts), as a script anyone can rerun:
 *
 *   npm run build && node evals/dist/calibrate-floors.js [--data <dir>]
 *
 * For each mode it measures the best relevance of every tuning question — the
 * sales set's `-a` questions (in scope) and 300 sentences drawn from the
 * LCQMC, ATEC/CCKS and BQ corpora (general and banking questions, off-topic
 * for a sales KB) — and proposes the highest floor that abstains on at most
 * 5 % of the in-scope tuning questions, rounded down to 0.01. The in-scope
 * side is the constraint because a wrong abstention hides the right script
 * from a rep, while answering an off-topic question costs a glance at a few
 * low-scored scripts. The hand-written out-of-scope questions and the `-b`/`-c`
 * questions are not used here; `npm run eval` measures the floors on them.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { calibrationSet } from './datasets.js';
import { percentile } from './metrics.js';
import { KnowledgeBaseCache, runRetrievalEval, type HuashuRetrieverConfig } from './runner.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Share of in-scope tuning questions the floor may abstain on. */
const IN_SCOPE_BUDGET = 0.05;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  const dataDir = resolve(values.data ?? process.env.HUASHU_EVAL_DATA ?? join(repoRoot, '..', 'shared', 'data'));
  const tuning = calibrationSet(repoRoot, dataDir);
  const offTopic = tuning.outOfScope;
  const allowed = Math.floor(IN_SCOPE_BUDGET * tuning.queries.length);
  process.stdout.write(`${tuning.queries.length} in-scope tuning questions (at most ${allowed} may abstain), ${offTopic.length} off-topic stand-ins\n`);
  const knowledgeBases = new KnowledgeBaseCache();
  try {
    for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
      const retriever: HuashuRetrieverConfig = { kind: 'huashu', name: mode, mode, floor: 0 };
      const result = await runRetrievalEval(retriever, tuning, { knowledgeBases });
      const inScope = result.queries.map((record) => record.topRelevance).sort((a, b) => a - b);
      // Any floor up to the (allowed + 1)-th lowest score abstains on at most `allowed` questions.
      const floor = Math.floor(inScope[allowed]! * 100) / 100;
      const off = result.outOfScope.map((record) => record.topRelevance);
      const abstainedOff = off.filter((value) => value < floor).length;
      process.stdout.write(
        `${mode.padEnd(8)} in-scope best relevance p5 ${percentile(inScope, 5).toFixed(3)}, p10 ${percentile(inScope, 10).toFixed(3)}, median ${percentile(inScope, 50).toFixed(3)}; ` +
          `off-topic median ${percentile(off, 50).toFixed(3)}, p90 ${percentile(off, 90).toFixed(3)} → floor ${floor.toFixed(2)}: ` +
          `abstains on ${inScope.filter((value) => value < floor).length}/${inScope.length} in-scope, ${abstainedOff}/${off.length} off-topic\n`,
      );
    }
  } finally {
    await knowledgeBases.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`calibration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
