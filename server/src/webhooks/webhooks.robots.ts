import { createHmac } from 'node:crypto';
import type { WebhookKind } from '@huashu/core';

/**
 * Group robots of the chat platforms Chinese sales teams use, so a breach of
 * the first-response SLA lands in the sales group chat. Each platform has its
 * own body and signing:
 * - DingTalk (钉钉 自定义机器人, 加签): `timestamp` (ms) and `sign` query
 *   parameters, sign = base64(HMAC-SHA256(key = secret, `${timestamp}\n${secret}`)).
 * - Feishu / Lark (飞书 自定义机器人, 签名校验): `timestamp` (s) and `sign` in
 *   the body, sign = base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, empty message)).
 * - WeCom (企业微信 群机器人): no signature; the `key` in the URL is the credential.
 *
 * A group chat is not the CRM: the card says what the sales group needs to act
 * — company, source, campaign, region, industry, assignee, due time, the lead
 * id — and the contact's surname only. Phone numbers, e-mail addresses,
 * WeChat ids and free-form fields never go to a group chat.
 */

export type RobotKind = Exclude<WebhookKind, 'standard'>;

export interface RobotRequest {
  url: URL;
  body: string;
}

export interface RobotCard {
  title: string;
  /** Markdown lines (`**标签**：值`). */
  lines: string[];
  /** Red for an alert (SLA breach), blue otherwise. */
  urgent: boolean;
}

/** Longest value shown on a card line; longer text is cut with an ellipsis. */
const MAX_VALUE_CHARS = 80;

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** `2026-12-03 16:00`, Beijing time. */
export function beijingTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const parts = Object.fromEntries(BEIJING.formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

/**
 * Text from a lead (a company name, a campaign) inside markdown: one line, no
 * markup, no mentions, bounded. Markdown and HTML-ish characters are dropped
 * rather than escaped because the three platforms escape differently.
 */
export function plain(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  const text = String(value)
    .replace(/[\p{C}\r\n\t]+/gu, ' ')
    .replace(/[*`#>\[\]()<>|~\\@!]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** 王总 → 王*；Alice Smith → A*. The surname is enough for a group to know whom the lead is about. */
export function initialOnly(name: unknown): string {
  const text = plain(name);
  if (!text) return '';
  const first = [...text][0]!;
  return `${first}*`;
}

type Data = Record<string, unknown>;
const obj = (value: unknown): Data => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Data) : {});

function line(label: string, value: string): string[] {
  return value ? [`**${label}**：${value}`] : [];
}

function repName(value: unknown): string {
  const rep = obj(value);
  return plain(rep['name']) || plain(rep['id']);
}

/** Lines every lead card shares. */
function leadLines(lead: Data): string[] {
  return [
    ...line('公司', plain(lead['company']) || '（未填写）'),
    ...line('联系人', initialOnly(lead['name'])),
    ...line('来源', plain(lead['source'])),
    ...line('活动', plain(lead['campaign'])),
    ...line('地区', plain(lead['region'])),
    ...line('行业', plain(lead['industry'])),
  ];
}

/** A readable zh-CN card per event type; unknown types get a generic one. */
export function renderCard(type: string, data: unknown, occurredAt: string): RobotCard {
  const body = obj(data);
  const lead = obj(body['lead']);
  const leadId = plain(lead['id']);
  const footer = [...line('线索编号', leadId), ...line('时间', beijingTime(occurredAt))];
  switch (type) {
    case 'lead.sla_breached': {
      const dueAt = typeof body['dueAt'] === 'string' ? body['dueAt'] : typeof lead['firstResponseDueAt'] === 'string' ? (lead['firstResponseDueAt'] as string) : '';
      return {
        title: '线索超时未响应',
        urgent: true,
        lines: [
          '首次响应已超过时限，请尽快跟进。',
          ...leadLines(lead),
          ...line('负责人', repName(body['assignee'] ?? lead['assignee']) || '未分配'),
          ...line('应响应时间', beijingTime(dueAt)),
          ...footer,
        ],
      };
    }
    case 'lead.created':
      return {
        title: '新线索',
        urgent: false,
        lines: [
          ...leadLines(lead),
          ...line('负责人', repName(lead['assignee']) || '未分配'),
          ...line('首次响应截止', typeof lead['firstResponseDueAt'] === 'string' ? beijingTime(lead['firstResponseDueAt']) : ''),
          ...footer,
        ],
      };
    case 'lead.assigned':
      return {
        title: '线索已分配',
        urgent: false,
        lines: [
          ...leadLines(lead),
          ...line('负责人', repName(body['assignee']) || repName(lead['assignee'])),
          ...line('分配原因', plain(obj(body['reason'])['zh'])),
          ...line('首次响应截止', typeof lead['firstResponseDueAt'] === 'string' ? beijingTime(lead['firstResponseDueAt']) : ''),
          ...footer,
        ],
      };
    case 'lead.merged':
      return {
        title: '重复线索已合并',
        urgent: false,
        lines: ['同一客户再次留资，已并入已有线索。', ...leadLines(lead), ...line('负责人', repName(lead['assignee']) || '未分配'), ...footer],
      };
    case 'lead.unmerged':
      return { title: '线索合并已撤销', urgent: false, lines: [...leadLines(lead), ...line('拆出的线索', plain(body['restoredLeadId'])), ...footer] };
    case 'deal.stalled': {
      const deal = obj(body['deal']);
      return {
        title: '商机停滞提醒',
        urgent: true,
        lines: [
          '商机在当前阶段停留已超过设定的工作日，请跟进。',
          ...line('商机编号', plain(deal['id'])),
          ...line('阶段', plain(deal['stage'])),
          ...line('已停留', typeof body['workingDays'] === 'number' ? `${plain(Math.floor(body['workingDays']))} 个工作日` : ''),
          ...line('负责人', plain(deal['owner'])),
          ...line('团队', plain(deal['team'])),
          ...line('地区', plain(deal['region'])),
          ...line('时间', beijingTime(occurredAt)),
        ],
      };
    }
    // Intent signals (signals domain): the score and the zh explanation of what the lead did.
    case 'lead.hot':
    case 'lead.going_silent':
    case 'signal.fired': {
      const signals = type === 'lead.hot' ? (Array.isArray(body['signals']) ? body['signals'] : []) : [body['signal']];
      const explanations = signals.map((signal) => plain(obj(obj(signal)['explanation'])['zh'])).filter(Boolean);
      const titles = { 'lead.hot': '线索意向升温', 'lead.going_silent': '线索沉默提醒', 'signal.fired': '意向信号' } as const;
      return {
        title: titles[type],
        urgent: type !== 'signal.fired',
        lines: [
          ...line('意向分', typeof body['score'] === 'number' ? `${plain(Math.round(body['score']))} / 100` : ''),
          ...line('阈值', typeof body['threshold'] === 'number' ? plain(body['threshold']) : ''),
          ...line('信号', type === 'signal.fired' ? plain(obj(obj(body['signal'])['label'])['zh']) : ''),
          ...explanations.map((text) => `- ${text}`),
          ...footer,
        ],
      };
    }
    case 'task.created': {
      // The card names the task and who it goes to; the meeting summary and terms stay in the task (lead data).
      const task = obj(body['task']);
      return {
        title: '新协同任务',
        urgent: false,
        lines: [
          ...line('任务', plain(task['title'])),
          ...line('发起人', repName(task['requester'])),
          ...line('接收', plain(task['assignee']) || plain(task['assigneeRole'])),
          ...line('截止', typeof task['due'] === 'string' ? beijingTime(task['due']) : ''),
          ...line('商机编号', plain(task['dealId'])),
          ...line('时间', beijingTime(occurredAt)),
        ],
      };
    }
    default: {
      const deal = obj(body['deal']);
      return {
        title: `话术事件：${plain(type)}`,
        urgent: false,
        lines: [...line('商机编号', plain(deal['id'])), ...line('阶段', plain(deal['stage'])), ...footer],
      };
    }
  }
}

const hmacBase64 = (key: string, message: string) => createHmac('sha256', key).update(message, 'utf8').digest('base64');

/** DingTalk's 加签: the query parameters are added to the robot URL. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return hmacBase64(secret, `${timestampMs}\n${secret}`);
}

/** Feishu's 签名校验: the key is `timestamp\nsecret`, the message empty. */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return hmacBase64(`${timestampSeconds}\n${secret}`, '');
}

/** The request for one attempt: a fresh timestamp and signature each time. */
export function robotRequest(kind: RobotKind, target: string, secret: string | null, card: RobotCard, now: number): RobotRequest {
  const url = new URL(target);
  const markdown = card.lines.join('\n\n');
  switch (kind) {
    case 'dingtalk': {
      if (secret) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', dingtalkSign(secret, now));
      }
      return { url, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: card.title, text: `### ${card.title}\n\n${markdown}` } }) };
    }
    case 'wecom': {
      const heading = card.urgent ? `<font color="warning">${card.title}</font>` : card.title;
      return { url, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: `### ${heading}\n${card.lines.join('\n')}` } }) };
    }
    case 'feishu': {
      const seconds = Math.floor(now / 1000);
      return {
        url,
        body: JSON.stringify({
          ...(secret ? { timestamp: String(seconds), sign: feishuSign(secret, seconds) } : {}),
          msg_type: 'interactive',
          card: {
            config: { wide_screen_mode: true },
            header: { template: card.urgent ? 'red' : 'blue', title: { tag: 'plain_text', content: card.title } },
            elements: [{ tag: 'div', text: { tag: 'lark_md', content: card.lines.join('\n') } }],
          },
        }),
      };
    }
  }
}

/**
 * Robots answer HTTP 200 with an error code in the body when they refuse a
 * message (bad signature, a keyword missing, rate limit): only code 0 is a
 * delivery. Returns the platform's code when it is not 0.
 */
export function robotErrorCode(kind: RobotKind, body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const answer = obj(parsed);
  const code = kind === 'feishu' ? (answer['code'] ?? answer['StatusCode']) : answer['errcode'];
  if (code === undefined || code === 0 || code === '0') return null;
  return typeof code === 'number' || (typeof code === 'string' && /^-?\d{1,12}$/.test(code)) ? String(code) : 'unknown';
}

/** The robot's URL with its token masked (`access_token=…abcd`), for views and logs. */
export function maskRobotUrl(kind: RobotKind, target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return '';
  }
  const mask = (value: string) => (value.length > 4 ? `…${value.slice(-4)}` : '…');
  for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, mask(url.searchParams.get(name) ?? ''));
  if (kind === 'feishu') {
    const segments = url.pathname.split('/');
    const last = segments.length - 1;
    if (segments[last]) segments[last] = mask(segments[last]!);
    url.pathname = segments.join('/');
  }
  url.username = '';
  url.password = '';
  return decodeURI(url.toString());
}
