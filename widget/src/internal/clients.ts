import { createHuashu, HuashuApiError, type HuashuClient } from '@huashu/sdk';
import { createAssistantClient, createKnowledgeOpsClient, type AssistantClient, type KnowledgeOpsClient } from '@huashu/sdk/assistant';

/** What the lead form needs of an SDK client; the page's own `createHuashu()` client fits. */
export type LeadsClient = Pick<HuashuClient, 'leads'>;

/** The error a widget reports when it has neither a client nor the attributes to make one. */
export function notConfigured(what: string): HuashuApiError {
  return new HuashuApiError('invalid_argument', `set the endpoint and ${what} attributes, or the client property`);
}

/**
 * A lead-capture-only client for a form that was given attributes instead of
 * a client. It tracks nothing: no page views, no storage, no pre-init queue —
 * tracking is the host page's decision (consent banners), and a second tracker
 * would double-count. `opt-in` without an opt-in also keeps the lead free of an
 * anonymous id that no other event would ever share.
 */
export function createLeadsClient(endpoint: string, publishableKey: string): HuashuClient {
  return createHuashu({ endpoint, publishableKey, environment: null, storage: null, consent: 'opt-in', globalName: false });
}

/** Keeps one assistant client per endpoint; the token is read per request, so a re-minted `token` applies at once. */
export class AssistantClientCache {
  private cached: { endpoint: string; client: AssistantClient } | undefined;

  get(endpoint: string, token: () => string): AssistantClient {
    if (this.cached?.endpoint !== endpoint) this.cached = { endpoint, client: createAssistantClient({ endpoint, getRepToken: token }) };
    return this.cached.client;
  }
}

/** The same for the points and learning-pack client. */
export class KnowledgeOpsClientCache {
  private cached: { endpoint: string; client: KnowledgeOpsClient } | undefined;

  get(endpoint: string, token: () => string): KnowledgeOpsClient {
    if (this.cached?.endpoint !== endpoint) this.cached = { endpoint, client: createKnowledgeOpsClient({ endpoint, getRepToken: token }) };
    return this.cached.client;
  }
}
