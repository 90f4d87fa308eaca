import type { Tenant } from './auth/key-store.js';
import type { AppContext } from './context.js';
import type { RouteSpec } from './http/route.js';
import type { OutboxConsumer } from './jobs/outbox.js';
import type { JobDefinition } from './jobs/types.js';

/**
 * What a domain folder contributes to the server. `server.ts` receives an
 * explicit list of these (see `modules.ts`): nothing registers itself by being
 * imported, so the list is the whole truth about what runs.
 */
export interface DomainModule {
  /** The folder's name: `knowledge`, `leads` … */
  name: string;
  routes: readonly RouteSpec[];
  /** Runs once when a server process starts, before it listens (start-up checks, warnings). */
  onStart?(ctx: AppContext): Promise<void>;
  /** Seeds the demo tenant on its first start (runs in list order). */
  seedDemo?(ctx: AppContext, tenant: Tenant): Promise<void>;
  /** Job types this domain runs (periodic ones carry `schedule`); the server's job runner takes them. */
  jobs?: readonly JobDefinition[];
  /** What this domain does with other domains' outbox events (and its own, e.g. webhook fan-out). */
  consumers?: readonly OutboxConsumer[];
}
