import { MAPPING_TARGETS, type FieldIssue, type FieldMapping, type LeadMapping, type MappingTransform } from '@huashu/core';
import { normalisePhone, PHONE_HINT, type ContactInput } from './contact.js';

/**
 * Mappings: JSON paths into a platform's payload → lead fields. The path
 * language is small on purpose:
 *   `badge.mobile`                      keys, dot-separated (`$.` in front is allowed)
 *   `items[0].id`                       array index
 *   `form_detail[name=公司名称].value`   the first array element whose `name` is `公司名称`
 *   `["key.with.dots"]`                 a quoted key
 * Presets are mappings too (below), so a preset and a custom mapping read
 * payloads the same way, and a source's `mapping` overrides or extends its preset.
 */

export type PathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'filter'; key: string; value: string };

const KEY_CHAR = /[^.[\]\s]/;
const MAX_INDEX = 10_000;

/** The segments of a path, or an error message saying where it goes wrong. */
export function parsePath(path: string): PathSegment[] | string {
  let text = path.trim();
  if (text.startsWith('$')) text = text.slice(text[1] === '.' ? 2 : 1);
  const segments: PathSegment[] = [];
  let i = 0;
  const fail = (why: string) => `invalid path "${path}": ${why} at character ${i + 1}`;
  if (text.length === 0) return `invalid path "${path}": empty`;
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) return fail('unclosed [');
      const inner = text.slice(i + 1, close);
      if (/^\d+$/.test(inner)) {
        const index = Number(inner);
        if (index > MAX_INDEX) return fail(`index above ${MAX_INDEX}`);
        segments.push({ kind: 'index', index });
      } else if (/^"[^"]+"$/.test(inner)) {
        segments.push({ kind: 'key', key: inner.slice(1, -1) });
      } else {
        const eq = inner.indexOf('=');
        if (eq <= 0) return fail('expected [number], ["key"] or [key=value]');
        const key = inner.slice(0, eq).trim();
        const value = inner.slice(eq + 1).trim();
        if (!key || !value) return fail('expected [key=value]');
        segments.push({ kind: 'filter', key, value });
      }
      i = close + 1;
      if (i < text.length && text[i] === '.') {
        i++;
        if (i >= text.length) return fail('trailing .');
      }
      continue;
    }
    let end = i;
    while (end < text.length && KEY_CHAR.test(text[end]!)) end++;
    if (end === i) return fail(text[i] === '.' ? 'empty key' : `unexpected "${text[i]}"`);
    segments.push({ kind: 'key', key: text.slice(i, end) });
    i = end;
    if (text[i] === '.') {
      i++;
      if (i >= text.length) return fail('trailing .');
    } else if (i < text.length && text[i] !== '[') {
      return fail(`unexpected "${text[i]}"`);
    }
  }
  return segments;
}

/** The value at `segments` in `root`, or undefined. Never throws on odd payloads. */
export function readPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (segment.kind === 'key') {
      if (Array.isArray(current) || !Object.hasOwn(current, segment.key)) return undefined;
      current = (current as Record<string, unknown>)[segment.key];
    } else if (segment.kind === 'index') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment.index];
    } else {
      if (!Array.isArray(current)) return undefined;
      current = current.find(
        (item) => item !== null && typeof item === 'object' && !Array.isArray(item) && String((item as Record<string, unknown>)[segment.key] ?? '') === segment.value,
      );
    }
  }
  return current;
}

const FIELD_TARGET = /^fields\.[A-Za-z0-9_-]{1,64}$/;
const TARGETS = new Set<string>(MAPPING_TARGETS);

function rulePaths(rule: FieldMapping): string[] {
  if (typeof rule === 'string') return [rule];
  if (rule.path === undefined) return [];
  return Array.isArray(rule.path) ? rule.path : [rule.path];
}

/** Problems with a mapping, each naming `mapping.<target>[.path[.i]]`; empty when it is usable. */
export function validateMapping(mapping: LeadMapping, prefix = 'mapping'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [target, rule] of Object.entries(mapping)) {
    if (!TARGETS.has(target) && !FIELD_TARGET.test(target)) {
      issues.push({ path: `${prefix}.${target}`, message: `unknown target; use one of ${MAPPING_TARGETS.join(', ')} or fields.<key>` });
      continue;
    }
    const paths = rulePaths(rule);
    paths.forEach((path, index) => {
      const parsed = parsePath(path);
      if (typeof parsed === 'string') {
        const where = typeof rule === 'string' ? `${prefix}.${target}` : Array.isArray(rule.path) ? `${prefix}.${target}.path.${index}` : `${prefix}.${target}.path`;
        issues.push({ path: where, message: parsed });
      }
    });
  }
  return issues;
}

export interface MappedValue {
  value: string | number | boolean;
  /** The payload path it came from (`const` for constants): named in 400s. */
  path: string;
}

const MAX_TEXT = 2000;

function applyTransforms(value: string | number | boolean, transforms: readonly MappingTransform[], path: string, issues: FieldIssue[]): string | number | boolean | undefined {
  let current: string | number | boolean = value;
  for (const transform of transforms) {
    const text = String(current);
    switch (transform) {
      case 'trim':
        current = text.trim();
        break;
      case 'lower':
        current = text.toLowerCase();
        break;
      case 'upper':
        current = text.toUpperCase();
        break;
      case 'digits':
        current = text.replace(/\D+/g, '');
        break;
      case 'e164': {
        const phone = normalisePhone(text);
        if (!phone) {
          issues.push({ path, message: PHONE_HINT });
          return undefined;
        }
        current = phone;
        break;
      }
    }
  }
  return current;
}

/** Reads every target of `mapping` from `payload`; issues name the payload path that could not be read. */
export function readMapping(payload: unknown, mapping: LeadMapping): { values: Map<string, MappedValue>; issues: FieldIssue[]; paths: Map<string, string> } {
  const values = new Map<string, MappedValue>();
  const issues: FieldIssue[] = [];
  /** target → the first payload path it reads (for "missing" messages). */
  const paths = new Map<string, string>();
  for (const [target, rule] of Object.entries(mapping)) {
    const transforms = typeof rule === 'string' ? [] : (rule.transform ?? []);
    if (typeof rule !== 'string' && rule.const !== undefined) {
      const value = applyTransforms(rule.const, transforms, `mapping.${target}.const`, issues);
      if (value !== undefined) values.set(target, { value, path: `mapping.${target}.const` });
      continue;
    }
    const candidates = rulePaths(rule);
    paths.set(target, candidates[0]!);
    let found: MappedValue | undefined;
    for (const path of candidates) {
      const segments = parsePath(path);
      if (typeof segments === 'string') continue; // refused when the source was created
      const raw = readPath(payload, segments);
      if (raw === undefined || raw === null || raw === '') continue;
      if (typeof raw === 'object') {
        issues.push({ path, message: `is ${Array.isArray(raw) ? 'a list' : 'an object'}; expected text, a number or true/false (mapped to ${target})` });
        found = undefined;
        break;
      }
      if (typeof raw === 'string' && raw.length > MAX_TEXT) {
        issues.push({ path, message: `is longer than ${MAX_TEXT} characters (mapped to ${target})` });
        break;
      }
      const value = applyTransforms(raw as string | number | boolean, transforms, path, issues);
      if (value === undefined) break;
      if (value === '') continue;
      found = { value, path };
      break;
    }
    if (found) values.set(target, found);
    else if (typeof rule !== 'string' && rule.required && !issues.some((issue) => candidates.includes(issue.path))) {
      issues.push({ path: candidates[0]!, message: `is missing (required for ${target})` });
    }
  }
  return { values, issues, paths };
}

/** Contact inputs from mapped values, and the payload path of each (so a bad phone is reported where it was read). */
export function contactFrom(values: Map<string, MappedValue>): { input: ContactInput; paths: Partial<Record<keyof ContactInput, string>> } {
  const input: ContactInput = {};
  const paths: Partial<Record<keyof ContactInput, string>> = {};
  const pairs: [keyof ContactInput, string][] = [
    ['phone', 'phone'],
    ['email', 'email'],
    ['wechat', 'wechat'],
    ['unionid', 'wechatUnionId'],
  ];
  for (const [field, target] of pairs) {
    const mapped = values.get(target);
    if (mapped) {
      input[field] = String(mapped.value);
      paths[field] = mapped.path;
    }
  }
  return { input, paths };
}

// ——— Presets ———

/**
 * 抖音 / 巨量引擎-style lead form ("线索") push. The shape, documented in the README:
 * { clue_id, create_time (unix seconds or "YYYY-MM-DD HH:mm:ss" Beijing time),
 *   name, telephone, province_name, city_name, ad_id, ad_name, campaign_id,
 *   campaign_name, form_detail: [{ name, value }] }
 */
const AD_PLATFORM: LeadMapping = {
  externalId: 'clue_id',
  occurredAt: 'create_time',
  name: { path: ['name', 'form_detail[name=姓名].value'], transform: ['trim'] },
  phone: { path: ['telephone', 'phone', 'form_detail[name=电话].value', 'form_detail[name=手机].value'], transform: ['trim'] },
  email: { path: ['email', 'form_detail[name=邮箱].value'], transform: ['trim', 'lower'] },
  wechat: { path: ['wechat', 'form_detail[name=微信].value', 'form_detail[name=微信号].value'], transform: ['trim'] },
  company: { path: ['company_name', 'form_detail[name=公司名称].value', 'form_detail[name=公司].value', 'form_detail[name=企业名称].value'], transform: ['trim'] },
  title: { path: ['form_detail[name=职位].value', 'form_detail[name=职务].value'], transform: ['trim'] },
  industry: { path: ['form_detail[name=行业].value', 'industry'], transform: ['trim'] },
  region: { path: ['province_name', 'location.province'], transform: ['trim'] },
  campaign: { path: ['campaign_name', 'ad_name'], transform: ['trim'] },
  'fields.clueId': 'clue_id',
  'fields.adId': 'ad_id',
  'fields.adName': 'ad_name',
  'fields.campaignId': 'campaign_id',
  'fields.advertiserId': 'advertiser_id',
  'fields.city': 'city_name',
  'fields.message': { path: ['form_detail[name=留言].value', 'form_detail[name=需求].value'] },
};

/**
 * A 400-line call-centre transfer:
 * { call_id, caller_number, called_number, started_at, duration_seconds,
 *   agent: { id, name }, customer_name, company, caller_province, notes, recording_url }
 */
const CALL_CENTER: LeadMapping = {
  externalId: 'call_id',
  occurredAt: { path: ['started_at', 'call_time'] },
  phone: { path: ['caller_number', 'caller', 'ani'], transform: ['trim'] },
  name: { path: ['customer_name', 'caller_name'], transform: ['trim'] },
  company: { path: 'company', transform: ['trim'] },
  region: { path: ['caller_province', 'caller_region'], transform: ['trim'] },
  industry: { path: 'industry', transform: ['trim'] },
  campaign: { path: ['hotline_name', 'called_number'], transform: ['trim'] },
  'fields.callId': 'call_id',
  'fields.calledNumber': 'called_number',
  'fields.agentId': 'agent.id',
  'fields.agentName': 'agent.name',
  'fields.durationSeconds': 'duration_seconds',
  'fields.notes': 'notes',
  'fields.recordingUrl': 'recording_url',
};

/**
 * A trade-show badge scan (QR on the visitor's badge, scanned at the booth):
 * { scan_id, scanned_at, exhibition, booth, scanned_by,
 *   badge: { name, company, title, mobile, email, wechat, industry, province }, notes }
 */
const TRADE_SHOW_QR: LeadMapping = {
  externalId: 'scan_id',
  occurredAt: 'scanned_at',
  name: { path: 'badge.name', transform: ['trim'] },
  company: { path: 'badge.company', transform: ['trim'] },
  title: { path: 'badge.title', transform: ['trim'] },
  phone: { path: ['badge.mobile', 'badge.phone'], transform: ['trim'] },
  email: { path: 'badge.email', transform: ['trim', 'lower'] },
  wechat: { path: 'badge.wechat', transform: ['trim'] },
  industry: { path: 'badge.industry', transform: ['trim'] },
  region: { path: ['badge.province', 'badge.region'], transform: ['trim'] },
  campaign: { path: 'exhibition', transform: ['trim'] },
  'fields.exhibition': 'exhibition',
  'fields.booth': 'booth',
  'fields.scannedBy': 'scanned_by',
  'fields.notes': 'notes',
};

export const PRESET_MAPPINGS: Record<'ad_platform' | 'call_center' | 'trade_show_qr', LeadMapping> = {
  ad_platform: AD_PLATFORM,
  call_center: CALL_CENTER,
  trade_show_qr: TRADE_SHOW_QR,
};

/** A sample payload per preset (README, tests, demo seeding). */
export const PRESET_SAMPLES = {
  web_form: {
    idempotencyKey: 'form-2025-12-03-000123',
    name: '王总',
    phone: '138 0013 8000',
    email: 'wang@jinggong-mfg.example.cn',
    company: '深圳精工制造有限公司',
    source: 'website',
    campaign: '官网-预约演示',
    consent: true,
    page: 'https://www.example.cn/demo',
    fields: { industry: '制造业', region: '广东', notes: '想了解 MES 与 ERP 对接' },
  },
  ad_platform: {
    clue_id: '7301234567890123456',
    create_time: 1764728100,
    name: '李娜',
    telephone: '+86 139 1768 2201',
    province_name: '上海',
    city_name: '上海',
    ad_id: '1790000000000001',
    ad_name: '医院信息化-HIS互联互通-信息流',
    campaign_id: '1790000000000100',
    campaign_name: '2025Q4 医疗信息化获客',
    advertiser_id: '1700000000000009',
    form_detail: [
      { name: '公司名称', value: '华东某三甲医院' },
      { name: '职位', value: '信息科主任' },
      { name: '行业', value: '医疗' },
      { name: '留言', value: 'HIS 对接和等保测评怎么做？' },
    ],
  },
  call_center: {
    call_id: 'CC20251203-000123',
    caller_number: '021-6234 5678',
    called_number: '400-820-8820',
    hotline_name: '400 售前热线',
    started_at: '2025-12-03T10:15:00+08:00',
    duration_seconds: 186,
    agent: { id: 'A1024', name: '客服小刘' },
    customer_name: '赵强',
    company: '汇通零售连锁',
    caller_province: '上海',
    industry: '零售',
    notes: '门店 300 家，想做会员线索统一分配，下周演示',
    recording_url: 'https://cc.example.cn/recordings/CC20251203-000123.mp3',
  },
  trade_show_qr: {
    scan_id: 'SCAN-CIIF2025-5H-B023-0042',
    scanned_at: '2025-09-24 14:32:10',
    exhibition: '2025 中国国际工业博览会',
    booth: '5.1H-B023',
    scanned_by: '王磊',
    badge: {
      name: '陈静',
      company: '东方证券信息技术部',
      title: '架构师',
      mobile: '0086 137 0000 1234',
      email: 'Chen.Jing@dfzq.example.cn',
      industry: '金融',
      province: '上海',
    },
    notes: '关注私有化部署与信创适配',
  },
} as const;

/** `YYYY-MM-DD HH:mm:ss` without an offset: Chinese platforms mean Beijing time. */
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const UNIX_SECONDS_BELOW = 1e11;
const EARLIEST = Date.UTC(2000, 0, 1);

/** A payload timestamp: ISO 8601, unix seconds or milliseconds, or Beijing local time. */
export function parseTimestamp(value: string | number | boolean): Date | undefined {
  if (typeof value === 'boolean') return undefined;
  let ms: number;
  if (typeof value === 'number' || /^\d{9,13}$/.test(value)) {
    const n = Number(value);
    ms = n < UNIX_SECONDS_BELOW ? n * 1000 : n;
  } else {
    const local = LOCAL_DATETIME.exec(value.trim());
    ms = local ? Date.parse(`${local[1]}-${local[2]}-${local[3]}T${local[4]}:${local[5]}:${local[6] ?? '00'}+08:00`) : Date.parse(value);
  }
  // A far-future timestamp would postpone the SLA clock; nothing before 2000 is a lead.
  if (!Number.isFinite(ms) || ms < EARLIEST || ms > Date.now() + 24 * 3600_000) return undefined;
  return new Date(ms);
}

const YES = new Set(['true', '1', 'yes', 'y', '是', '同意', 'on']);
const NO = new Set(['false', '0', 'no', 'n', '否', '不同意', 'off']);

export function parseConsent(value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  return undefined;
}
