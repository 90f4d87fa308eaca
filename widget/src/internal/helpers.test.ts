import { describe, expect, it } from 'vitest';
import { evidenceKindLabel } from './evidence.js';
import { resolveLocale, translate } from './i18n.js';
import { safeHttpUrl } from './links.js';
import { isChineseMobile, isEmail, isWechatId, normalizePhone } from './validation.js';

describe('contact checks', () => {
  it('accepts mainland mobile numbers however they are typed', () => {
    for (const phone of ['13800138000', '138 0013 8000', '138-0013-8000', '+86 138 0013 8000', '+8613800138000', '0086 13800138000', '(138) 0013 8000', '19912345678']) {
      expect(isChineseMobile(phone), phone).toBe(true);
    }
    expect(normalizePhone('+86 138-0013-8000')).toBe('13800138000');
  });

  it('rejects what is not a mainland mobile number', () => {
    for (const phone of ['', '1380013800', '138001380001', '12800138000', '23800138000', '010-88886666', '+852 6123 4567', '1380013800a']) {
      expect(isChineseMobile(phone), phone).toBe(false);
    }
  });

  it('checks emails loosely and WeChat ids by the server’s rule', () => {
    expect(isEmail('zhang@hospital.example.cn')).toBe(true);
    expect(isEmail(' zhang@hospital.cn ')).toBe(true);
    for (const email of ['zhang@', '@hospital.cn', 'zhang@hospital', 'zh ang@hospital.cn']) expect(isEmail(email), email).toBe(false);
    for (const id of ['zhang_hospital', 'wx-123456', 'Abcdef']) expect(isWechatId(id), id).toBe(true);
    for (const id of ['8zhang', 'abc', 'zhang hospital', 'a'.repeat(21), '张主任']) expect(isWechatId(id), id).toBe(false);
  });
});

describe('links', () => {
  it('lets only absolute http(s) URLs through', () => {
    expect(safeHttpUrl('https://docs.example.com/a b')).toBe('https://docs.example.com/a%20b');
    expect(safeHttpUrl('http://intranet.local/x')).toBe('http://intranet.local/x');
    for (const url of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\nscript:alert(1)', 'data:text/html,<b>', 'vbscript:x', '//evil.example/x', '/relative', 'ftp://files.example', '', undefined, null, 42]) {
      expect(safeHttpUrl(url), String(url)).toBeUndefined();
    }
  });
});

describe('i18n', () => {
  it('chooses English only for en*, Chinese otherwise', () => {
    expect(resolveLocale('en')).toBe('en');
    expect(resolveLocale('en-US')).toBe('en');
    expect(resolveLocale('EN-gb')).toBe('en');
    for (const lang of ['zh-CN', 'zh', 'zh-Hant', 'ja', 'eng', '', null, undefined]) expect(resolveLocale(lang), String(lang)).toBe('zh-CN');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('zh-CN', 'assistant.rate', { successes: 12, uses: 15, percent: 80 })).toBe('成功 12/15 · 80%');
    expect(translate('en', 'assistant.rate', { successes: 12, uses: 15, percent: 80 })).toBe('Worked 12/15 · 80%');
    expect(translate('en', 'assistant.rate', { successes: 1 })).toBe('Worked 1/{uses} · {percent}%');
  });

  it('labels every evidence kind and treats unknown kinds as other', () => {
    expect(['case', 'test_report', 'certification', 'document', 'other'].map((kind) => translate('zh-CN', evidenceKindLabel(kind)))).toEqual(['案例', '测试报告', '认证', '文档', '其他']);
    expect(evidenceKindLabel('<script>')).toBe('evidence.other');
  });
});
