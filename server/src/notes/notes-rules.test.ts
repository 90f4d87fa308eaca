import { describe, expect, it } from 'vitest';
import { afterHoliday, findDates } from './dates.js';
import { extractBudget, extractContacts, extractWithRules } from './rules.js';

const SUNDAY = '2026-12-06';
const MONDAY = '2026-12-07';
const dateOf = (text: string, ref: string) => findDates(text, ref)[0]?.date;

describe('Chinese dates against a reference day (weeks start on Monday, Asia/Shanghai)', () => {
  it('resolves 下周三 from a Sunday to the coming Wednesday of the next Monday-week, not three days later', () => {
    expect(dateOf('下周三', SUNDAY)).toBe('2026-12-09');
    expect(dateOf('下周三', MONDAY)).toBe('2026-12-16');
    expect(dateOf('本周五', MONDAY)).toBe('2026-12-11');
    expect(dateOf('这周日', MONDAY)).toBe('2026-12-13');
    expect(dateOf('下下周二', SUNDAY)).toBe('2026-12-15');
  });

  it('resolves 今天 / 明天 / 后天 / 大后天, 3月5日 (next year once past), 15号, 月底', () => {
    expect(dateOf('今天', SUNDAY)).toBe(SUNDAY);
    expect(dateOf('明天', SUNDAY)).toBe('2026-12-07');
    expect(dateOf('后天', SUNDAY)).toBe('2026-12-08');
    expect(dateOf('大后天', SUNDAY)).toBe('2026-12-09');
    expect(dateOf('3月5日', MONDAY)).toBe('2027-03-05');
    expect(dateOf('十二月二十日', MONDAY)).toBe('2026-12-20');
    expect(dateOf('15号', MONDAY)).toBe('2026-12-15');
    expect(dateOf('月底', MONDAY)).toBe('2026-12-31');
    expect(dateOf('下个月底', MONDAY)).toBe('2027-01-31');
  });

  it('reads 节后 as the first working day after the holiday (chinese-days, with 调休)', () => {
    // 中秋 2026-09-25…27, then Monday the 28th is a working day.
    expect(afterHoliday('2026-09-23')).toBe('2026-09-28');
    // 国庆 2026-10-01…07; 10-08 is a Thursday at work.
    expect(afterHoliday('2026-09-23', '国庆')).toBe('2026-10-08');
    expect(dateOf('春节后', '2026-02-10')).toBe('2026-02-24');
    // Beyond the holiday data nothing is guessed.
    expect(dateOf('节后', '2026-12-20')).toBeUndefined();
  });
});

describe('money, names, and the issue’s example', () => {
  it('reads ranges sharing one magnitude, upper bounds, 亿 and approximations', () => {
    expect(extractBudget('预算范围80-120万')).toEqual({ min: 800000, max: 1200000, currency: 'CNY' });
    expect(extractBudget('预算在八十到一百二十万之间')).toEqual({ min: 800000, max: 1200000, currency: 'CNY' });
    expect(extractBudget('预算50万以内')).toEqual({ min: 0, max: 500000, currency: 'CNY' });
    expect(extractBudget('预算1.2亿')).toEqual({ min: 120000000, max: 120000000, currency: 'CNY' });
    expect(extractBudget('预算200万左右')).toEqual({ min: 2000000, max: 2000000, currency: 'CNY', approximate: true });
    expect(extractBudget('预算三百万出头')).toEqual({ min: 3000000, max: 3000000, currency: 'CNY', approximate: true });
    expect(extractBudget('签约金额96万')).toEqual({ min: 960000, max: 960000, currency: 'CNY' });
    expect(extractBudget('一期先做3个工厂，产能3万台')).toBeNull();
    expect(extractBudget('竞品报价是中控给的45万')).toBeNull();
  });

  it('reads surnames with titles and leaves words that only look like them', () => {
    expect(extractContacts('王总、李经理和张工都在，欧阳总监也来了')).toEqual([
      { surname: '王', title: '总' },
      { surname: '李', title: '经理' },
      { surname: '张', title: '工' },
      { surname: '欧阳', title: '总监' },
    ]);
    expect(extractContacts('合同总价和施工工期都谈了，对方总经理没来')).toEqual([]);
  });

  it('reads the issue’s note said on a Sunday', () => {
    expect(extractWithRules('客户王总确认下周三看工厂，要求带PLC通讯协议文档，预算范围80-120万', '2026-12-06T10:00:00+08:00')).toEqual({
      contacts: [{ surname: '王', title: '总' }],
      meeting: { date: '2026-12-09', purpose: '看工厂' },
      documentsRequested: ['PLC通讯协议文档'],
      budget: { min: 800000, max: 1200000, currency: 'CNY' },
      competitors: [],
      nextSteps: [],
    });
  });

  it('invents nothing for a note without facts', () => {
    expect(extractWithRules('没什么进展，客户还在内部讨论', '2026-12-07T09:00:00+08:00')).toEqual({ contacts: [], meeting: null, documentsRequested: [], budget: null, competitors: [], nextSteps: [] });
  });

  it('takes "today" in Asia/Shanghai: 23:30 UTC on Saturday is already Sunday there', () => {
    expect(extractWithRules('明天来公司交流', '2026-12-05T23:30:00Z').meeting?.date).toBe('2026-12-07');
  });
});
