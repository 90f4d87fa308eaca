import { createEmbedder, loadConfig } from '@huashu/server';
import type { BaselineRetrieverConfig, HuashuRetrieverConfig, RetrieverConfig } from './runner.js';

export const BASELINE: BaselineRetrieverConfig = { kind: 'bm25-baseline', name: 'bm25 char-unigram (anchor)' };
export const LEXICAL: HuashuRetrieverConfig = { kind: 'huashu', name: 'lexical', mode: 'lexical' };
export const DENSE_LOCAL: HuashuRetrieverConfig = { kind: 'huashu', name: 'dense (local)', mode: 'dense' };
/** What a fresh installation runs: hybrid with the local embedder (its boost is a no-op until outcomes arrive). */
export const HYBRID: HuashuRetrieverConfig = { kind: 'huashu', name: 'hybrid', mode: 'hybrid' };
export const HYBRID_BOOST: HuashuRetrieverConfig = { kind: 'huashu', name: 'hybrid + boost', mode: 'hybrid', boost: true };

/**
 * Hybrid with an OpenAI-compatible embedder, when the environment names one
 * (OPENAI_API_KEY and/or OPENAI_BASE_URL, model from HUASHU_EMBEDDING_MODEL);
 * otherwise the reason it is skipped.
 */
export function openAiRetriever(env: Record<string, string | undefined> = process.env): HuashuRetrieverConfig | { skipped: string } {
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    return { skipped: 'hybrid (openai): neither OPENAI_API_KEY nor OPENAI_BASE_URL is set, so no OpenAI-compatible embedder was measured' };
  }
  const config = loadConfig({ ...env, HUASHU_EMBEDDER: 'openai', LOG_LEVEL: 'silent' });
  return { kind: 'huashu', name: `hybrid (openai ${config.HUASHU_EMBEDDING_MODEL})`, mode: 'hybrid', embedder: () => createEmbedder(config) };
}

/** Every configuration of one run, the anchor first. */
export function standardRetrievers(env: Record<string, string | undefined> = process.env): { retrievers: RetrieverConfig[]; skipped: string[] } {
  const openai = openAiRetriever(env);
  const retrievers: RetrieverConfig[] = [BASELINE, LEXICAL, DENSE_LOCAL, HYBRID, HYBRID_BOOST];
  if ('skipped' in openai) return { retrievers, skipped: [openai.skipped] };
  return { retrievers: [...retrievers, openai], skipped: [] };
}
