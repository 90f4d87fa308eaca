/**
 * Contact checks run as the visitor types. They mirror the server's rules
 * (`server/src/leads/contact.ts`), which stay the authority: whatever slips
 * through here comes back as a field error from the API.
 */

/** Mainland mobile numbers: 11 digits, 1 then 3–9. */
const CN_MOBILE = /^1[3-9]\d{9}$/;
/** The server's WeChat id rule: 6–20 characters, a letter first, then letters, digits, - or _. */
const WECHAT_ID = /^[A-Za-z][-_A-Za-z0-9]{5,19}$/;
/** Deliberately loose (one @, a dot in the domain, no spaces); the server's parser decides the edge cases. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Removes what people type around a mobile number: spaces, dashes, dots, brackets and the +86 / 0086 country code. */
export function normalizePhone(value: string): string {
  const compact = value.replace(/[\s\-.()（）]/g, '');
  return compact.replace(/^(\+86|0086)/, '');
}

export function isChineseMobile(value: string): boolean {
  return CN_MOBILE.test(normalizePhone(value));
}

export function isEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}

export function isWechatId(value: string): boolean {
  return WECHAT_ID.test(value.trim());
}
