import { HuashuError, LeadInput, type FieldIssue, type LeadChannel, type LeadMapping, type LeadPreset } from '@huashu/core';
import { absentNulls, describeIssues, toFieldIssues } from '../platform/validation.js';
import { normaliseContact } from './contact.js';
import { contactFrom, parseConsent, parseTimestamp, PRESET_MAPPINGS, readMapping, type MappedValue } from './mapping.js';
import type { LeadProfile, LeadSubmission } from './leads.types.js';

/**
 * Turns what arrives — a `POST /v1/leads` body or a platform's webhook payload —
 * into one `LeadSubmission`. Everything a caller can get wrong becomes a 400
 * naming the field (the payload path, for mapped payloads); nothing here throws
 * anything else on odd input.
 */

const invalid = (issues: FieldIssue[], what = 'body') => new HuashuError('validation_failed', `invalid ${what}: ${describeIssues(issues)}`, { issues });

/** `fields.wechatUnionId` (or `fields.unionid`) of a `POST /v1/leads` body is the WeChat unionid identity. */
const UNIONID_FIELDS = ['wechatUnionId', 'unionid'] as const;

export function submissionFromInput(input: LeadInput, channel: LeadChannel, options: { sourceId: string | null; source?: string; webhookId?: string | null; raw?: unknown }): LeadSubmission {
  const fields: Record<string, unknown> = { ...(input.fields ?? {}) };
  let unionid: string | undefined;
  for (const key of UNIONID_FIELDS) {
    if (typeof fields[key] === 'string') {
      unionid = fields[key] as string;
      delete fields[key];
    }
  }
  const { contact, issues } = normaliseContact({ phone: input.phone, email: input.email, wechat: input.wechat, unionid }, unionid ? { unionid: 'fields.wechatUnionId' } : {});
  if (issues.length > 0) throw invalid(issues);
  // `region` and `industry` drive assignment; a web form sends them as custom fields.
  const text = (key: string) => (typeof fields[key] === 'string' && (fields[key] as string).trim() ? (fields[key] as string).trim() : null);
  const profile: LeadProfile = {
    name: input.name ?? null,
    company: input.company ?? null,
    title: text('title'),
    region: text('region'),
    industry: text('industry'),
    campaign: input.campaign ?? null,
    consent: input.consent ?? null,
  };
  for (const key of ['title', 'region', 'industry']) if (profile[key as 'title'] !== null) delete fields[key];
  return {
    source: options.source ?? input.source,
    channel,
    sourceId: options.sourceId,
    contact,
    profile,
    fields,
    page: input.page ?? null,
    anonymousId: input.anonymousId ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    webhookId: options.webhookId ?? null,
    externalId: null,
    occurredAt: null,
    raw: options.raw ?? input,
  };
}

const LIMITS: Record<string, number> = { name: 100, company: 200, title: 100, region: 64, industry: 64, campaign: 128, page: 2048, externalId: 128 };

export interface SourceForIntake {
  id: string;
  slug: string;
  preset: LeadPreset;
  mapping: LeadMapping;
}

/** The `web_form` preset reads a `POST /v1/leads` body; `source` defaults to the lead source's slug. */
const WebFormBody = LeadInput.extend({ source: LeadInput.shape.source.optional() });

/** Maps an inbound webhook payload through the source's preset and mapping. */
export function submissionFromPayload(source: SourceForIntake, payload: unknown, webhookId: string): LeadSubmission {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalid([{ path: '(root)', message: 'must be a JSON object' }], 'payload');
  }
  const channel: LeadChannel = source.preset;
  if (source.preset === 'web_form') {
    // null means absent, as in every request body.
    const parsed = WebFormBody.safeParse(absentNulls(WebFormBody, payload));
    if (!parsed.success) throw invalid(toFieldIssues(parsed.error), 'payload');
    const base = submissionFromInput({ ...parsed.data, source: parsed.data.source ?? source.slug }, channel, { sourceId: source.id, source: source.slug, webhookId, raw: payload });
    return Object.keys(source.mapping).length > 0 ? overlay(base, source.mapping, payload) : base;
  }
  const mapping = source.preset === 'custom' ? source.mapping : { ...PRESET_MAPPINGS[source.preset], ...source.mapping };
  const { values, issues, paths } = readMapping(payload, mapping);
  const contactPaths = ['phone', 'email', 'wechat', 'wechatUnionId'].map((target) => paths.get(target)).filter((path): path is string => path !== undefined);
  const { input, paths: readFrom } = contactFrom(values);
  const hasContact = Object.keys(input).length > 0;
  const contactIssues: FieldIssue[] = [];
  let contact = { phone: null, email: null, wechat: null, unionid: null } as LeadSubmission['contact'];
  if (hasContact) {
    const normalised = normaliseContact(input, readFrom);
    contact = normalised.contact;
    contactIssues.push(...normalised.issues);
  } else if (!issues.some((issue) => contactPaths.includes(issue.path))) {
    contactIssues.push({
      path: contactPaths[0] ?? 'mapping.phone',
      message: contactPaths.length > 0 ? `is missing: the payload has no phone, email or WeChat id (read from ${contactPaths.join(', ')})` : 'the mapping reads no phone, email or WeChat id',
    });
  }
  const profileIssues: FieldIssue[] = [];
  const submission: LeadSubmission = {
    source: source.slug,
    channel,
    sourceId: source.id,
    contact,
    profile: { name: null, company: null, title: null, region: null, industry: null, campaign: null, consent: null },
    fields: {},
    page: null,
    anonymousId: null,
    idempotencyKey: null,
    webhookId,
    externalId: null,
    occurredAt: null,
    raw: payload,
  };
  applyValues(submission, values, profileIssues);
  const all = [...issues, ...contactIssues, ...profileIssues];
  if (all.length > 0) throw invalid(all, 'payload');
  return submission;
}

/** A `web_form` source's own mapping adds to (or replaces) what the body says. */
function overlay(base: LeadSubmission, mapping: LeadMapping, payload: unknown): LeadSubmission {
  const { values, issues } = readMapping(payload, mapping);
  const { input, paths } = contactFrom(values);
  const contactIssues: FieldIssue[] = [];
  if (Object.keys(input).length > 0) {
    const normalised = normaliseContact(input, paths);
    contactIssues.push(...normalised.issues);
    for (const [key, value] of Object.entries(normalised.contact)) if (value !== null) base.contact[key as keyof typeof base.contact] = value;
  }
  const profileIssues: FieldIssue[] = [];
  applyValues(base, values, profileIssues);
  const all = [...issues, ...contactIssues, ...profileIssues];
  if (all.length > 0) throw invalid(all, 'payload');
  return base;
}

function applyValues(submission: LeadSubmission, values: Map<string, MappedValue>, issues: FieldIssue[]): void {
  for (const [target, mapped] of values) {
    const { value, path } = mapped;
    if (target.startsWith('fields.')) {
      submission.fields[target.slice('fields.'.length)] = value;
      continue;
    }
    if (['phone', 'email', 'wechat', 'wechatUnionId'].includes(target)) continue;
    if (target === 'occurredAt') {
      const at = parseTimestamp(value);
      if (at) submission.occurredAt = at;
      else issues.push({ path, message: 'is not a timestamp (ISO 8601, unix seconds or milliseconds, or "YYYY-MM-DD HH:mm:ss" Beijing time, not in the future)' });
      continue;
    }
    if (target === 'consent') {
      const consent = parseConsent(value);
      if (consent === undefined) issues.push({ path, message: 'is not a yes/no value (true/false, 1/0, 是/否)' });
      else submission.profile.consent = consent;
      continue;
    }
    const text = String(value).trim();
    const limit = LIMITS[target];
    if (limit !== undefined && text.length > limit) {
      issues.push({ path, message: `is longer than ${limit} characters (mapped to ${target})` });
      continue;
    }
    if (target === 'page') submission.page = text;
    else if (target === 'externalId') submission.externalId = text;
    else submission.profile[target as Exclude<keyof LeadProfile, 'consent'>] = text;
  }
}
