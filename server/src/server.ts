import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createChatModel } from './assistant/answer.js';
import { createEmbedder, type Embedder } from './retrieval/embedder.js';
import { Authenticator } from './platform/auth/authenticate.js';
import { ensurePinnedTenant } from './platform/auth/key-store.js';
import type { DomainModule } from './platform/module.js';
import { createJobRunner, jobRoutes, outboxDispatcher, type JobDefinition, type JobRunner } from './platform/jobs/index.js';
import type { Config } from './platform/config.js';
import type { AppContext } from './platform/context.js';
import { openDatabase } from './platform/db/open.js';
import type { Database } from './platform/db/types.js';
import { createApp } from './platform/http/app.js';
import { createLogger, type Logger } from './platform/logger.js';
import { apiRoutes } from './platform/http/routes.js';
import { answerParserErrors } from './platform/http/client-errors.js';
import { mountDemo, type DemoSetup } from './demo/demo.js';

export interface RunningServer {
  ctx: AppContext;
  /** The background job runner; absent when HUASHU_JOBS=0 (an HTTP-only process). */
  jobs?: JobRunner;
  server: Server;
  url: string;
  demo?: DemoSetup;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  /** The domains this process serves (`allModules` from modules.ts for the full product). */
  modules: readonly DomainModule[];
  /** Use this database instead of opening the configured one (tests share one engine). */
  db?: Database;
  logger?: Logger;
  /** Seed and serve the demo tenant and page. */
  demo?: boolean;
  /** Replace the configured embedder or chat model (tests use fakes, never the network). */
  overrides?: ContextOverrides;
}

export interface ContextOverrides {
  embedder?: Embedder;
  chat?: BaseChatModel;
}

export async function createContext(config: Config, db: Database, logger: Logger, overrides: ContextOverrides = {}): Promise<AppContext> {
  return {
    db,
    config,
    logger,
    authenticator: new Authenticator(db),
    embedder: overrides.embedder ?? createEmbedder(config),
    chat: overrides.chat ?? createChatModel(config),
  };
}

/** Every module's job types plus the outbox dispatcher that feeds every module's consumers. */
export function jobDefinitions(modules: readonly DomainModule[], config: Pick<Config, 'HUASHU_JOBS_INTERVAL_MS'>): JobDefinition[] {
  const consumers = modules.flatMap((module) => module.consumers ?? []);
  return [...modules.flatMap((module) => module.jobs ?? []), outboxDispatcher(consumers, { everyMs: config.HUASHU_JOBS_INTERVAL_MS })];
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const ownsDb = !options.db;
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATABASE_URL ? undefined : config.HUASHU_DATA_DIR,
      // The error's code and message only: pg errors can carry query parameters in other fields.
      onIdleError: (error) => logger.warn({ code: (error as { code?: string }).code, message: error.message }, 'idle database connection failed; it will reconnect'),
    }));
  const ctx = await createContext(config, db, logger, options.overrides);
  for (const module of options.modules) await module.onStart?.(ctx);
  // Without the demo, keys pinned by the environment still need a tenant to open.
  if (!options.demo) await ensurePinnedTenant(db, config);
  const demo = options.demo ? await mountDemo(ctx, options.modules) : undefined;
  const app = createApp(ctx, { routes: apiRoutes(options.modules, jobRoutes), before: demo ? (express) => demo.mount(express) : undefined });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  answerParserErrors(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  const jobs = config.HUASHU_JOBS ? createJobRunner(ctx, jobDefinitions(options.modules, config)) : undefined;
  jobs?.start();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await jobs?.stop();
      if (ownsDb) await db.close();
    })());
  return { ctx, server, url, demo, jobs, close };
}
