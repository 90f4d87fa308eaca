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
// Test support for other workspaces' integration tests (the widget's browser tests drive the real server).
export { startTestServer, type TestServer, type TestTenant } from './testing/test-server.js';
export { testEngines, type TestEngine } from './testing/engines.js';
