import { CHINA_UTC_OFFSET_MINUTES, type DailyReport } from '@huashu/core';

const MINUTE_MS = 60_000;

/** Markdown cells cannot hold a pipe or a line break; lead data is text, never markup. */
const cell = (value: unknown) => String(value ?? '—').replace(/[|\\`*_[\]<>]/g, (char) => `\\${char}`).replace(/\s+/g, ' ');

const LABELS = {
  'zh-CN': { title: '销售日报', rep: '销售', team: '全员', hot: '高意向客户', tasks: '待处理协同任务', breaches: '首次响应超时', stalled: '停滞商机', score: '意向分', days: '停滞天数', due: '截止', status: '状态', stage: '阶段', workingDays: '工作日', none: '无' },
  en: { title: 'Daily report', rep: 'Rep', team: 'whole team', hot: 'High-intent customers', tasks: 'Open cross-team tasks', breaches: 'First-response SLA breaches', stalled: 'Stalled deals', score: 'Intent', days: 'Days stalled', due: 'Due', status: 'Status', stage: 'Stage', workingDays: 'Working days', none: 'none' },
} as const;

/** An instant as Beijing wall-clock time, `2026-12-03 21:38`. */
const beijing = (iso: string) => new Date(Date.parse(iso) + CHINA_UTC_OFFSET_MINUTES * MINUTE_MS).toISOString().slice(0, 16).replace('T', ' ');

const STATUS: Record<string, Record<'zh-CN' | 'en', string>> = {
  open: { 'zh-CN': '待接单', en: 'open' },
  accepted: { 'zh-CN': '处理中', en: 'accepted' },
  submitted: { 'zh-CN': '待审批', en: 'awaiting approval' },
  changes_requested: { 'zh-CN': '待修改', en: 'changes requested' },
};

function table(headers: readonly string[], rows: readonly (readonly unknown[])[], none: string): string[] {
  if (rows.length === 0) return [`_${none}_`, ''];
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`), ''];
}

export function renderDailyMarkdown(report: DailyReport, lang: 'zh-CN' | 'en' = 'zh-CN'): string {
  const t = LABELS[lang];
  const lines = [`# ${t.title} ${report.date}`, '', `${t.rep}：${cell(report.rep ?? t.team)}`, '', ...report.headline.map((line) => `- ${line}`), ''];
  lines.push(`## ${t.hot}`, '', ...table([lang === 'en' ? 'Customer' : '客户', t.score, t.days], report.highIntent.leads.map((lead) => [lead.company ?? lead.name ?? lead.leadId, lead.score, lead.stalledDays]), t.none));
  lines.push(`## ${t.tasks}`, '', ...table([lang === 'en' ? 'Task' : '任务', t.status, t.due], report.pendingTasks.tasks.map((task) => [`${task.title}${task.overdue ? ' ⚠' : ''}`, STATUS[task.status]?.[lang] ?? task.status, task.due ? beijing(task.due) : '—']), t.none));
  lines.push(`## ${t.breaches}`, '', ...table([lang === 'en' ? 'Lead' : '线索', lang === 'en' ? 'Breached at' : '超时时间'], report.slaBreaches.leads.map((lead) => [lead.name ?? lead.leadId, beijing(lead.breachedAt)]), t.none));
  lines.push(`## ${t.stalled}`, '', ...table([lang === 'en' ? 'Deal' : '商机', t.stage, t.workingDays], report.stalledDeals.deals.map((deal) => [deal.dealId, deal.stageName, deal.workingDays]), t.none));
  return lines.join('\n');
}
