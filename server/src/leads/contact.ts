import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { FieldIssue } from '@huashu/core';
import { z } from 'zod';

export interface NormalisedContact {
  phone: string | null;
  email: string | null;
  wechat: string | null;
}

// WeChat ids: 6–20 characters, a letter first, then letters, digits, '-' or '_'.
const WECHAT_ID = /^[A-Za-z][-_A-Za-z0-9]{5,19}$/;
const Email = z.email();

/**
 * Checks and normalises contact details. Numbers without a country code are read
 * as Chinese; a Chinese number must be a mobile (leads are called back).
 */
export function normaliseContact(input: { phone?: string; email?: string; wechat?: string }): { contact: NormalisedContact; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const contact: NormalisedContact = { phone: null, email: null, wechat: null };
  if (input.phone !== undefined) {
    const parsed = parsePhoneNumberFromString(input.phone, 'CN');
    if (!parsed || !parsed.isValid()) {
      issues.push({ path: 'phone', message: 'is not a valid phone number (e.g. 13800138000 or +86 138 0013 8000)' });
    } else if (parsed.country === 'CN' && parsed.getType() !== 'MOBILE' && parsed.getType() !== 'FIXED_LINE_OR_MOBILE') {
      issues.push({ path: 'phone', message: 'must be a Chinese mobile number (11 digits starting with 1)' });
    } else {
      contact.phone = parsed.number;
    }
  }
  if (input.email !== undefined) {
    if (Email.safeParse(input.email).success) contact.email = input.email.toLowerCase();
    else issues.push({ path: 'email', message: 'is not a valid email address' });
  }
  if (input.wechat !== undefined) {
    if (WECHAT_ID.test(input.wechat)) contact.wechat = input.wechat;
    else issues.push({ path: 'wechat', message: 'is not a valid WeChat id (6–20 letters, digits, - or _, starting with a letter)' });
  }
  if (input.phone === undefined && input.email === undefined && input.wechat === undefined) {
    issues.push({ path: 'phone', message: 'a phone number, an email or a WeChat id is required' });
  }
  return { contact, issues };
}
