import { CaptureRules, type CaptureRulesInput } from '@huashu/core';

/**
 * The tracker rules a tenant starts with (`PUT /v1/capture-rules` replaces
 * them): 预算 + 贵/价格 → 价格异议, 竞品/对手/XX家 → 竞品对比,
 * 上线/交付/工期 + 时间 → 交付压力, each in the customer's messages.
 */
export const DEFAULT_CAPTURE_RULES_INPUT: CaptureRulesInput = {
  rules: [
    {
      id: 'price-objection',
      tag: '价格异议',
      // 没有预算 is the objection itself, so a negated 预算 counts; 不贵 does not.
      allOf: [{ terms: ['预算'], countNegated: true }, ['贵', '价格']],
      window: 3,
      speaker: 'customer',
      ignore: ['贵公司', '贵司', '贵方', '贵单位', '贵院', '贵姓', '宝贵', '贵宾', '富贵'],
    },
    {
      id: 'competitor',
      tag: '竞品对比',
      // `*家` is "XX家", another vendor by name (华为家, 东软家); the words below only look like one.
      anyOf: [['竞品', '对手', '*家']],
      window: 1,
      speaker: 'customer',
      ignore: [
        '大家', '专家', '国家', '厂家', '商家', '人家', '回家', '在家', '自家', '我家', '我们家', '你家', '你们家', '您家', '咱家', '咱们家',
        '老家', '买家', '卖家', '行家', '作家', '全家', '独家', '东家', '管家', '住家', '家家', '各家', '哪家', '一家', '这家', '成家', '居家', '娘家', '酒家',
      ],
    },
    {
      id: 'delivery-pressure',
      tag: '交付压力',
      // 没时间 / 来不及 are the pressure itself: negated time words count.
      allOf: [['上线', '交付', '工期'], { terms: ['时间'], countNegated: true }],
      window: 3,
      speaker: 'customer',
    },
  ],
  synonyms: [
    ['价格', '报价', '价钱', '费用', '收费', '多少钱'],
    ['贵', '偏高', '太高'],
    ['预算', '经费', '资金'],
    ['竞品', '友商', '别家', '其他厂商', '其他厂家', '别的厂家', '其他家'],
    ['时间', '多久', '多长时间', '什么时候', '几天', '几周', '几个月', '来得及', '来不及', '月底', '年底', '下个月', '下周'],
  ],
};

export const DEFAULT_CAPTURE_RULES: CaptureRules = CaptureRules.parse(DEFAULT_CAPTURE_RULES_INPUT);
