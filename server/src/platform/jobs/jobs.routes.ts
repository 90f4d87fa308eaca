import { JobListQuery, JobListResponse } from '@huashu/core';
import { defineRoute } from '../http/route.js';
import { listJobs } from './jobs.store.js';

/** Platform routes (mounted next to the domains' through `apiRoutes(modules, platformRoutes)`). */
export const jobRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/jobs',
    summary: "The tenant's background jobs, newest first (secret key); system jobs are not listed",
    tag: 'jobs',
    auth: ['secret'],
    query: JobListQuery,
    response: JobListResponse,
    handler: async ({ query, principal, ctx }) => ({ jobs: await listJobs(ctx.db, principal.tenantId, query) }),
  }),
];
