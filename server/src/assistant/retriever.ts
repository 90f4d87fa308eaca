import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import { Document } from '@langchain/core/documents';
import type { Queryable } from '../platform/db/types.js';
import type { Embedder } from '../retrieval/embedder.js';
import { toMatch } from './assistant.service.js';
import { searchKnowledge, type SearchOptions } from '../knowledge/knowledge.service.js';

export interface HuashuRetrieverInput extends BaseRetrieverInput {
  db: Queryable;
  tenantId: string;
  embedder: Embedder;
  /** Passed to the assistant's search. @default { limit: DEFAULT_ASK_LIMIT } */
  search?: SearchOptions;
}

/**
 * The assistant's retrieval as a LangChain retriever, for teams building their
 * own chains: one Document per matched entry, the answer script as content and
 * the question, evidence, tags, score and success rate as metadata. An
 * abstention is an empty list.
 */
export class HuashuRetriever extends BaseRetriever {
  static override lc_name() {
    return 'HuashuRetriever';
  }
  override lc_namespace = ['huashu', 'retrievers'];

  private readonly db: Queryable;
  private readonly tenantId: string;
  private readonly embedder: Embedder;
  private readonly search: SearchOptions;

  constructor(fields: HuashuRetrieverInput) {
    super(fields);
    this.db = fields.db;
    this.tenantId = fields.tenantId;
    this.embedder = fields.embedder;
    this.search = fields.search ?? {};
  }

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    const result = await searchKnowledge(this.db, this.tenantId, this.embedder, query, this.search);
    return result.hits.map((hit) => {
      const match = toMatch(hit);
      return new Document({
        pageContent: match.entry.answer,
        metadata: { ...match.entry, score: match.score, successRate: match.successRate },
        id: match.entry.id,
      });
    });
  }
}
