export * from './errors.js';
export * from './schemas/common.js';
export * from './schemas/tenants.js';
export * from './schemas/knowledge.js';
export * from './schemas/leads.js';
export * from './schemas/events.js';
