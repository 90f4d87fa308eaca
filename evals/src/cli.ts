#!/usr/bin/env node
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { faqCorpusPath, loadFaqPairs, loadOtherTenant, loadSalesObjections, OTHER_TENANTS, SALES_FRESH, SALES_LATE, SALES_THIRD, type EvalDataset, type FaqCorpus, type OtherTenant } from './datasets.js';
import { learningBars, renderBarChart, renderMarkdown, renderRecallChart, renderSummary, LEARNING_DEFAULT, type EvalReport } from './report.js';
import { loadFaqLearning, runLearningProtocol, type LearningConfig, type LearningResult } from './learning.js';
import { BASELINE, HYBRID, HYBRID_BOOST, standardRetrievers } from './retrievers.js';
import { FEEDBACK_REPORTS, KnowledgeBaseCache, runRetrievalEval, type EvalPhase, type RetrievalEvalResult } from './runner.js';
import { runNotesReport } from './notes-cli.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Queries per FAQ corpus in the default run. The four server configurations
 * together cost about 55 ms per question on a 9k-entry in-memory PGlite (two
 * cores), so all ~12.8k positive pairs would take about 13 minutes; 2,000 per
 * corpus keep the whole run near 7 minutes and the 95 % interval of a recall
 * at about ±0.011 near 0.94 and ±0.016 near 0.16.
 */
const DEFAULT_MAX_QUERIES = 2000;

/**
 * Questions measured per half in the learning protocol. Feedback always uses
 * every pair of half A (about 1,700 per corpus, ≈ 0.17 s each with the
 * retraining on two busy cores), so the protocol costs about 5 minutes per
 * corpus plus about 0.03 s per measured question and configuration.
 */
const DEFAULT_LEARNING_QUERIES = 500;

/** The learning protocol's configurations: the server default, and with the general synonyms on. */
const LEARNING_CONFIGS: readonly LearningConfig[] = [
  { name: LEARNING_DEFAULT, options: { synonyms: false } },
  { name: `${LEARNING_DEFAULT} + synonyms`, options: { synonyms: true } },
];

const usage = `Usage: npm run eval [-- options]

Runs every retrieval configuration on every dataset through the server's real
import and search code, writes evals/reports/<date>.md and <date>-recall3.svg,
and prints a summary.

Options:
  --data <dir>          folder holding faq-pairs/ (default: $HUASHU_EVAL_DATA or ../shared/data next to the repository)
  --max-queries <n>     queries per FAQ corpus, a deterministic sample (default ${DEFAULT_MAX_QUERIES}; 0 = all)
  --datasets <list>     comma-separated subset of: sales-objections,sales-objections-late,sales-objections-fresh,sales-objections-third,sales-objections-energy,sales-objections-hr-saas,lcqmc,atec-ccks,bq,notes
  --learning-queries <n>  questions measured per half in the FAQ learning protocol (default ${DEFAULT_LEARNING_QUERIES}; 0 = skip the protocol)
  --learning-only       run only the learning protocol (no retrieval tables)
  --out <dir>           report folder (default evals/reports)
  --date <YYYY-MM-DD>   report date (default today)
  -h, --help            this text
`;

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function progressBar(): { start(label: string): (phase: EvalPhase, done: number, total: number) => void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format: '{label} {phase} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(label) {
      if (running) bar.stop();
      bar.start(1, 0, { label, phase: 'starting' });
      running = true;
      return (phase, done, total) => {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { label, phase });
      };
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      'max-queries': { type: 'string' },
      'learning-queries': { type: 'string' },
      'learning-only': { type: 'boolean' },
      datasets: { type: 'string' },
      out: { type: 'string' },
      date: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const dataDir = resolve(values.data ?? process.env.HUASHU_EVAL_DATA ?? join(repoRoot, '..', 'shared', 'data'));
  const maxQueriesOption = values['max-queries'] === undefined ? DEFAULT_MAX_QUERIES : Number(values['max-queries']);
  if (!Number.isInteger(maxQueriesOption) || maxQueriesOption < 0) throw new Error(`--max-queries must be a whole number ≥ 0, got "${values['max-queries']}"`);
  const maxQueries = maxQueriesOption === 0 ? undefined : maxQueriesOption;
  const learningQueries = values['learning-queries'] === undefined ? DEFAULT_LEARNING_QUERIES : Number(values['learning-queries']);
  if (!Number.isInteger(learningQueries) || learningQueries < 0) throw new Error(`--learning-queries must be a whole number ≥ 0, got "${values['learning-queries']}"`);
  const date = values.date ?? today();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date must be YYYY-MM-DD, got "${date}"`);
  const outDir = resolve(values.out ?? join(repoRoot, 'evals', 'reports'));
  const wanted = values.datasets ? new Set(values.datasets.split(',').map((name) => name.trim())) : undefined;
  if ((!wanted || wanted.has('notes')) && !values['learning-only']) await runNotesReport(repoRoot, outDir, date);
  if (wanted?.size === 1 && wanted.has('notes')) return;

  const skipped: string[] = [];
  const datasets: EvalDataset[] = [];
  const learningOnly = values['learning-only'] ?? false;
  if ((!wanted || wanted.has('sales-objections')) && !learningOnly) datasets.push(loadSalesObjections(join(repoRoot, 'evals', 'datasets', 'sales-objections')));
  for (const [name, part] of [[SALES_LATE, 'late'], [SALES_FRESH, 'fresh'], [SALES_THIRD, 'third']] as const) {
    if ((!wanted || wanted.has(name)) && !learningOnly) datasets.push(loadSalesObjections(join(repoRoot, 'evals', 'datasets', 'sales-objections'), part));
  }
  for (const name of Object.keys(OTHER_TENANTS) as OtherTenant[]) {
    if ((!wanted || wanted.has(name)) && !learningOnly) datasets.push(loadOtherTenant(join(repoRoot, 'evals', 'datasets'), name));
  }
  for (const corpus of ['lcqmc', 'atec-ccks', 'bq'] as const satisfies readonly FaqCorpus[]) {
    if (wanted && !wanted.has(corpus)) continue;
    const dataset = learningOnly ? undefined : loadFaqPairs(dataDir, corpus, { maxQueries });
    if (dataset) datasets.push(dataset);
    else if (!learningOnly) skipped.push(`${corpus}: ${faqCorpusPath(dataDir, corpus)} not found (pass --data or set HUASHU_EVAL_DATA to the folder holding faq-pairs/)`);
  }
  for (const reason of skipped) process.stderr.write(`skipping ${reason}\n`);

  const { retrievers, skipped: skippedRetrievers } = standardRetrievers();
  skipped.push(...skippedRetrievers);
  for (const reason of skippedRetrievers) process.stderr.write(`skipping ${reason}\n`);

  const started = performance.now();
  const results: RetrievalEvalResult[] = [];
  const bar = progressBar();
  try {
    for (const dataset of datasets) {
      // One import per dataset and embedder, shared by its configurations; closed before the next dataset to bound memory.
      const knowledgeBases = new KnowledgeBaseCache();
      try {
        for (const retriever of retrievers) {
          const result = await runRetrievalEval(retriever, dataset, { onProgress: bar.start(`${dataset.name} · ${retriever.name}`), knowledgeBases });
          bar.stop();
          process.stdout.write(
            `${dataset.name} · ${retriever.name}: R@3 ${result.ranking.recall3.toFixed(3)}, p50 ${result.latency.p50.toFixed(1)} ms, import ${(result.importMs / 1000).toFixed(1)} s\n`,
          );
          results.push(result);
        }
      } finally {
        await knowledgeBases.close();
      }
    }
  } finally {
    bar.stop();
  }

  const learning: LearningResult[] = [];
  if (learningQueries > 0) {
    for (const corpus of ['lcqmc', 'atec-ccks', 'bq'] as const satisfies readonly FaqCorpus[]) {
      if (wanted && !wanted.has(corpus)) continue;
      const data = loadFaqLearning(dataDir, corpus, { maxQueries: learningQueries });
      if (!data) {
        const reason = `learning protocol on ${corpus}: ${faqCorpusPath(dataDir, corpus)} not found (pass --data or set HUASHU_EVAL_DATA to the folder holding faq-pairs/)`;
        skipped.push(reason);
        process.stderr.write(`skipping ${reason}\n`);
        continue;
      }
      try {
        const progress = bar.start(`${corpus} · learning`);
        const result = await runLearningProtocol(data, LEARNING_CONFIGS, (phase, done, total) =>
          progress(phase === 'import' ? 'import' : phase.startsWith('feedback') ? 'feedback' : 'questions', done, total),
        );
        bar.stop();
        learning.push(result);
        for (const cell of result.cells) {
          process.stdout.write(`${corpus} · learning · ${cell.configuration} · ${cell.phase} · ${cell.half}: R@3 ${cell.summary.recall3.toFixed(3)}\n`);
        }
      } finally {
        bar.stop();
      }
    }
  }

  const args = process.argv.slice(2);
  const report: EvalReport = {
    date,
    command: `npm run eval${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    environment: `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    durationMs: performance.now() - started,
    datasets: datasets.map(({ name, description, notes }) => ({ name, description, notes })),
    results,
    skipped,
    defaultRetriever: HYBRID.name,
    baselineRetriever: BASELINE.name,
    boostRetriever: HYBRID_BOOST.name,
    unboostedRetriever: HYBRID.name,
    learning,
    learningChart: learning.length > 0 ? `${date}-learning.svg` : undefined,
    notes: [
      'Tuning: the ranking constants (fusion weights, the answer-text weight, the floors) were chosen on the sales set\'s `-a` questions and on LCQMC dev, with sentences from LCQMC, ATEC/CCKS and BQ standing in as off-topic questions for the floor. The sales `-b`/`-c` questions, the 22 hand-written out-of-scope questions, ATEC/CCKS and BQ were not used for tuning; the sales rows above show both halves.',
      `Success-rate boost: outcomes are simulated for about a third of the questions (chosen by a hash of the id). For each, the unboosted top 3 is what a rep saw; when the relevant script was among them the rep used it and reported a success, ${FEEDBACK_REPORTS} times, as if ${FEEDBACK_REPORTS} reps had asked it; otherwise nothing was reported (reps do not try off-topic scripts on customers, so no failures are simulated). The boost table splits questions by whether they produced feedback themselves; "no own feedback" is the fair comparison.`,
      'Exact score ties (LCQMC has near-duplicate sentences that normalise to the same text) are broken by entry id, which is a random UUID per import, so a rerun can move a configuration by a question or two; the smoke test\'s margins allow for that.',
      'Abstention floors were calibrated for the local embedder; an OpenAI-compatible embedder has another similarity scale, so its abstention numbers are indicative only.',
      'FAQ corpora: built at run time from the shared data folder (never copied into the repository), as faq-pairs/README.md describes; entries carry answer = the sentence itself and one fixed evidence item { kind: "other", title: "<corpus> dev" } so that they pass the importer\'s validation.',
    ],
  };
  mkdirSync(outDir, { recursive: true });
  const markdownPath = join(outDir, `${date}.md`);
  const chartPath = join(outDir, `${date}-recall3.svg`);
  writeFileSync(markdownPath, renderMarkdown(report));
  if (results.length > 0) writeFileSync(chartPath, renderRecallChart(results, `Recall@3 by configuration and dataset (${date})`));
  if (report.learningChart) writeFileSync(join(outDir, report.learningChart), renderBarChart(learningBars(learning), `Recall@3 on the held-out half before and after learning from the other half (${date})`));
  process.stdout.write(renderSummary(report));
  process.stdout.write(`Wrote ${relative(process.cwd(), markdownPath)}${results.length > 0 ? ` and ${relative(process.cwd(), chartPath)}` : ''}${report.learningChart ? ` and ${report.learningChart}` : ''}\n`);
  if (!existsSync(dataDir)) process.stdout.write(`(data folder ${dataDir} is absent: only the sales set was measured)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
