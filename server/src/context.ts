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
}
