import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Embedder } from '../retrieval/embedder.js';
import type { Authenticator } from './auth/authenticate.js';
import type { Config } from './config.js';
import type { Database } from './db/types.js';
import type { Logger } from './logger.js';

/** What route handlers and jobs share; domain services hang off it. */
export interface AppContext {
  db: Database;
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  embedder: Embedder;
  /** Present only when an OpenAI-compatible chat model is configured (or injected by tests). */
  chat?: BaseChatModel;
}
