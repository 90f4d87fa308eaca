export { startServer, createContext, type RunningServer, type StartOptions } from './server.js';
export { loadConfig, ConfigSchema, type Config } from './config.js';
export { openDatabase } from './db/open.js';
export { openPglite } from './db/pglite.js';
export { openPostgres } from './db/postgres.js';
export { migrate } from './db/migrate.js';
export type { Database, Queryable, Engine } from './db/types.js';
export { createTenant, issueKey } from './tenants.js';
export { HuashuRetriever, type HuashuRetrieverInput } from './assistant/retriever.js';
export { createEmbedder, type Embedder } from './assistant/embedder.js';
// Retrieval evals (evals/) drive the same import, search and outcome code paths as the HTTP routes.
export { importEntries, type ImportProgress } from './knowledge/service.js';
export { recordOutcome } from './knowledge/store.js';
export { ask } from './assistant/ask.js';
export { searchKnowledge, DEFAULT_FLOORS, DEFAULT_WEIGHTS, type RetrievalMode, type SearchOptions, type SearchResult, type SearchHit } from './assistant/search.js';
export { createLogger, type Logger } from './logger.js';
export { LocalEmbeddings } from './retrieval/local-embedder.js';
export type { Principal } from './auth/authenticate.js';
export type { AppContext } from './context.js';
