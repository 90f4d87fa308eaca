export { startServer, createContext, type RunningServer, type StartOptions } from './server.js';
export { loadConfig, ConfigSchema, type Config } from './platform/config.js';
export { openDatabase } from './platform/db/open.js';
export { openPglite } from './platform/db/pglite.js';
export { openPostgres } from './platform/db/postgres.js';
export { migrate } from './platform/db/migrate.js';
export type { Database, Queryable, Engine } from './platform/db/types.js';
export { createTenant, issueKey } from './platform/auth/key-store.js';
export { HuashuRetriever, type HuashuRetrieverInput } from './assistant/retriever.js';
export { createEmbedder, type Embedder } from './retrieval/embedder.js';
// Retrieval evals (evals/) drive the same import, search and outcome code paths as the HTTP routes.
export { importEntries, type ImportProgress } from './knowledge/knowledge.service.js';
export { recordOutcome } from './knowledge/knowledge.service.js';
export { ask, reportOutcome, learnNow } from './assistant/assistant.service.js';
export { searchKnowledge, DEFAULT_FLOORS, DEFAULT_TIERS, DEFAULT_WEIGHTS, type RetrievalMode, type SearchOptions, type SearchResult, type SearchHit } from './knowledge/knowledge.service.js';
export { createLogger, type Logger } from './platform/logger.js';
export { LocalEmbeddings, DEFAULT_FEATURE_WEIGHTS, type FeatureWeights } from './retrieval/local-embedder.js';
export { lexicalTerms } from './retrieval/terms.js';
export { overallConfidence, type TierThresholds } from './retrieval/confidence.js';
export { allModules } from './modules.js';
export type { DomainModule } from './platform/module.js';
export type { Principal } from './platform/auth/authenticate.js';
export type { AppContext } from './platform/context.js';
// The notes eval (evals/) scores the same offline rules POST /v1/notes/extract runs.
export { extractWithRules } from './notes/rules.js';
