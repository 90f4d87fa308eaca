import demoKnowledgeBase from '../demo/knowledge-base.json' with { type: 'json' };
import type { DomainModule } from '../platform/module.js';
import { knowledgeRoutes } from './knowledge.routes.js';
import { reviewRoutes } from './review.routes.js';
import { variantRoutes } from './variants.routes.js';
import { importEntries, staleEmbeddingModels } from './knowledge.service.js';

/** Three-part entries, review, import and the search the assistant runs on. */
export const knowledgeModule: DomainModule = {
  name: 'knowledge',
  routes: [...reviewRoutes, ...variantRoutes, ...knowledgeRoutes],
  async onStart(ctx) {
    for (const stale of await staleEmbeddingModels(ctx.db, ctx.embedder.model)) {
      ctx.logger.warn({ tenant: stale.tenant_id, storedModel: stale.model, entries: stale.n, configured: ctx.embedder.model }, 'stored embeddings come from another embedder; run `huashu reindex`');
    }
  },
  // The demo tenant starts with the sample knowledge base written for this project.
  async seedDemo(ctx, tenant) {
    const result = await importEntries(ctx, { kind: 'secret', tenantId: tenant.id, keyId: 'demo-seed' }, demoKnowledgeBase);
    if (result.rejected.length > 0) ctx.logger.warn({ rejected: result.rejected.length }, 'demo knowledge entries rejected');
    ctx.logger.info({ imported: result.imported }, 'demo knowledge base loaded');
  },
};
