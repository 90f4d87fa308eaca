import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { FieldIssue, IdentityKind } from '@huashu/core';
import { z } from 'zod';

export interface NormalisedContact {
  phone: string | null;
  email: string | null;
  wechat: string | null;
  /** A WeChat unionid (the same person across one company's official accounts and mini-programs). */
  unionid: string | null;
}

export interface Identity {
  kind: IdentityKind;
  value: string;
}

// WeChat ids: 6–20 characters, a letter first, then letters, digits, '-' or '_'.
const WECHAT_ID = /^[A-Za-z][-_A-Za-z0-9]{5,19}$/;
// unionids are opaque base64url-ish strings of 28–29 characters; bounded loosely.
const UNIONID = /^[A-Za-z0-9_-]{16,64}$/;
const Email = z.email();

/**
 * A phone number in E.164, or undefined when it is not one. Numbers without a
 * country code are read as Chinese, so `138 0013 8000`, `+86 138 0013 8000`,
 * `0086 13800138000`, `010-8888 6666` (landline) and `400-820-8820` (a 400
 * hotline) all resolve; full-width digits too.
 */
export function normalisePhone(text: string): string | undefined {
  const parsed = parsePhoneNumberFromString(text, 'CN');
  return parsed?.isValid() ? parsed.number : undefined;
}

export const PHONE_HINT = 'is not a valid phone number (e.g. 138 0013 8000, +86 138 0013 8000, 010-8888 6666 or 400-820-8820)';

export function normaliseEmail(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase();
  return Email.safeParse(trimmed).success ? trimmed : undefined;
}

export interface ContactInput {
  phone?: string | undefined;
  email?: string | undefined;
  wechat?: string | undefined;
  unionid?: string | undefined;
}

/**
 * Checks and normalises contact details; each issue names its field by
 * `paths` (the payload path a mapping read it from) or the field itself.
 */
export function normaliseContact(input: ContactInput, paths: Partial<Record<keyof ContactInput, string>> = {}): { contact: NormalisedContact; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const contact: NormalisedContact = { phone: null, email: null, wechat: null, unionid: null };
  const at = (field: keyof ContactInput) => paths[field] ?? field;
  if (input.phone !== undefined) {
    const phone = normalisePhone(input.phone);
    if (phone) contact.phone = phone;
    else issues.push({ path: at('phone'), message: PHONE_HINT });
  }
  if (input.email !== undefined) {
    const email = normaliseEmail(input.email);
    if (email) contact.email = email;
    else issues.push({ path: at('email'), message: 'is not a valid email address' });
  }
  if (input.wechat !== undefined) {
    const wechat = input.wechat.trim();
    if (WECHAT_ID.test(wechat)) contact.wechat = wechat;
    else issues.push({ path: at('wechat'), message: 'is not a valid WeChat id (6–20 letters, digits, - or _, starting with a letter)' });
  }
  if (input.unionid !== undefined) {
    const unionid = input.unionid.trim();
    if (UNIONID.test(unionid)) contact.unionid = unionid;
    else issues.push({ path: at('unionid'), message: 'is not a valid WeChat unionid (16–64 letters, digits, - or _)' });
  }
  if (input.phone === undefined && input.email === undefined && input.wechat === undefined && input.unionid === undefined) {
    issues.push({ path: at('phone'), message: 'a phone number, an email or a WeChat id is required' });
  }
  return { contact, issues };
}

/**
 * The identities a contact claims. WeChat ids are matched case-insensitively
 * (WeChat treats them so); the display value keeps its case on the lead.
 */
export function identitiesOf(contact: NormalisedContact): Identity[] {
  const identities: Identity[] = [];
  if (contact.phone) identities.push({ kind: 'phone', value: contact.phone });
  if (contact.email) identities.push({ kind: 'email', value: contact.email });
  if (contact.wechat) identities.push({ kind: 'wechat', value: contact.wechat.toLowerCase() });
  if (contact.unionid) identities.push({ kind: 'unionid', value: contact.unionid });
  return identities;
}
