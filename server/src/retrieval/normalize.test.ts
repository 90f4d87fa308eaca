import { describe, expect, it } from 'vitest';
import { normalizeText } from './normalize.js';

describe('normalizeText', () => {
  it('folds full-width letters, digits and punctuation into half-width', () => {
    expect(normalizeText('ＣＲＭ系统２０２６版，多少钱？')).toBe('crm系统2026版,多少钱?');
    expect(normalizeText('ＣＲＭ系统２０２６版，多少钱？')).toBe(normalizeText('CRM系统2026版,多少钱?'));
  });

  it('maps traditional (Taiwan and Hong Kong) Chinese onto the same simplified text', () => {
    const simplified = normalizeText('客户说价格比竞品贵，预算不够，下个月再上线');
    expect(normalizeText('客戶說價格比競品貴，預算不夠，下個月再上線')).toBe(simplified);
    expect(normalizeText('線上演示')).toBe('线上演示');
    // 綫 is the Hong Kong form of 線.
    expect(normalizeText('綫上演示')).toBe('线上演示');
    expect(normalizeText('為什麼這麼貴')).toBe('为什么这么贵');
  });

  it('leaves simplified text alone, including characters that Taiwan writes differently', () => {
    // The Taiwan converter would turn 么 into 幺 and the phrase converter 程序 into 进程.
    for (const text of ['这个功能能试用么', '安装程序在哪里下载', '显著提升转化率', '头发 面条 钟表']) {
      expect(normalizeText(text)).toBe(text);
    }
  });

  it('lower-cases English and collapses every kind of whitespace', () => {
    expect(normalizeText('  Does the CRM   support\tWeChat?\n\n')).toBe('does the crm support wechat?');
    expect(normalizeText('预算\u3000不够\r\n下个月')).toBe('预算 不够 下个月');
    expect(normalizeText('ＷｉＦｉ　密码')).toBe('wifi 密码');
  });

  it('removes zero-width characters that would split words invisibly', () => {
    expect(normalizeText('竞\u200b品\ufeff')).toBe('竞品');
  });

  it('is idempotent and handles empty input', () => {
    expect(normalizeText('')).toBe('');
    expect(normalizeText(' \t\n ')).toBe('');
    for (const text of ['客戶說：「太貴了！」', 'ＡＢＣ　全角　Ｔｅｓｔ', 'Mixed 中英 Text，２行']) {
      const once = normalizeText(text);
      expect(normalizeText(once)).toBe(once);
    }
  });
});
