import { DailyReport, DailyReportQuery, LeadTimelineResponse } from '@huashu/core';
import { defineRoute } from '../platform/http/route.js';
import { dailyReport, leadTimeline, renderDailyMarkdown } from './reports.service.js';

export const reportRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/leads/:id/timeline',
    summary: 'The customer journey on one list: touchpoints, tracked events, signals, pipeline events and notes, tasks, script outcomes, with who, role and source; SLA breaches, stalled stages and overdue tasks flagged',
    tag: 'reports',
    auth: ['secret', 'rep'],
    response: LeadTimelineResponse,
    handler: ({ params, principal, ctx }) => leadTimeline(ctx, principal, params.id!),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/reports/daily',
    summary: 'The rep’s daily report from live data (Asia/Shanghai day): new leads, high-intent customers and how long they have stalled, open cross-team tasks, SLA breaches, stalled deals; JSON or Markdown (format=md). A rep token reads its own; a manager or the secret key any rep’s, or the team’s without rep',
    tag: 'reports',
    auth: ['secret', 'rep'],
    query: DailyReportQuery,
    response: DailyReport,
    handler: async ({ query, principal, ctx, res }) => {
      const report = await dailyReport(ctx, principal, query);
      if (query.format !== 'md') return report;
      res.type('text/markdown; charset=utf-8').setHeader('Cache-Control', 'no-store').send(renderDailyMarkdown(report, query.lang ?? 'zh-CN'));
      return undefined;
    },
  }),
];
