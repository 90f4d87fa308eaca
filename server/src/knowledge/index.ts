import { registerDemoSeeder } from '../demo/demo.js';
import demoKnowledgeBase from '../demo/knowledge-base.json' with { type: 'json' };
import { importEntries } from './knowledge.service.js';

// The demo tenant starts with the sample knowledge base written for this project.
registerDemoSeeder(async (ctx, tenant) => {
  const result = await importEntries(ctx, { kind: 'secret', tenantId: tenant.id, keyId: 'demo-seed' }, demoKnowledgeBase);
  if (result.rejected.length > 0) ctx.logger.warn({ rejected: result.rejected }, 'demo knowledge entries rejected');
  ctx.logger.info({ imported: result.imported }, 'demo knowledge base loaded');
});
