import type { Embeddings } from '@langchain/core/embeddings';
import { OpenAIEmbeddings } from '@langchain/openai';
import type { Config } from '../platform/config.js';
import { LocalEmbeddings } from './local-embedder.js';

/** An embedder plus the name its vectors are recorded under. */
export const LOCAL_DIMENSIONS = 512;

export interface Embedder {
  embeddings: Embeddings;
  /** Recorded with every vector; a different value means `huashu reindex`. */
  model: string;
}

/**
 * The built-in local embedder (no network, no model file) by default; any
 * OpenAI-compatible endpoint (OpenAI, a self-hosted bge-m3 …) when configured.
 */
export function createEmbedder(config: Pick<Config, 'HUASHU_EMBEDDER' | 'HUASHU_EMBEDDING_MODEL' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL'>): Embedder {
  if (config.HUASHU_EMBEDDER === 'openai') {
    const embeddings = new OpenAIEmbeddings({
      model: config.HUASHU_EMBEDDING_MODEL,
      // Self-hosted endpoints often need no key; the client still wants a value.
      apiKey: config.OPENAI_API_KEY ?? 'not-needed',
      configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
      batchSize: 256,
      // The openai client otherwise asks for base64 and decodes whatever comes
      // back as base64: self-hosted servers that ignore the field (plain float
      // arrays) would yield vectors of a quarter of the dimension.
      encodingFormat: 'float',
    });
    return { embeddings, model: `openai:${config.HUASHU_EMBEDDING_MODEL}` };
  }
  const local = new LocalEmbeddings({ dimensions: LOCAL_DIMENSIONS });
  return { embeddings: local, model: `${local.model}-${local.dimensions}` };
}

/** The text an entry is embedded from: what the customer said, plus its tags as topic hints. */
export function embeddingText(entry: { question: string; tags?: readonly string[] }): string {
  return entry.tags?.length ? `${entry.question} ${entry.tags.join(' ')}` : entry.question;
}
