import type { NoteBudget, NoteContact, NoteExtraction } from '@huashu/core';
import { findDates, referenceDay } from './dates.js';
import { NUMBER_CHARS, parseChineseNumber } from './numbers.js';

/**
 * The offline rule layer: a visit note in Chinese → fields. Each field is
 * left empty unless the text says it; nothing is guessed. What the rules know
 * is written out below as word lists, so extending them is editing a list.
 */

const CLAUSE_SPLIT = /[，。；;！!？?\n]|,(?!\d)/;
const clauses = (text: string) => text.split(CLAUSE_SPLIT).map((clause) => clause.trim()).filter(Boolean);

// ——— Contacts ———

const COMPOUND_SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '令狐', '慕容', '夏侯', '尉迟', '公孙', '司徒', '长孙', '宇文'];
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池乐居';
// Longest first, so 总经理 wins over 总.
const TITLES = [
  '副总经理', '董事长', '总经理', '副总裁', '总工程师', '工程师', '副主任', '副总', '总裁', '总监', '总工', '经理', '主任', '部长', '处长', '科长', '局长', '院长', '校长', '厂长',
  '所长', '主管', '书记', '行长', '老师', '教授', '博士', '律师', '医生', '秘书', '助理', '女士', '先生', '小姐', '老板', '总', '工', '董',
];
/** After 总 / 工, characters that make it a word rather than a title (总价, 工期 …). */
const NOT_AFTER_TITLE: Record<string, string> = { 总: '价额量计共体部数结包值监裁经工', 工: '作程期艺厂资具人业地单位序时商控况装', 董: '事' };
/** Words that begin with a surname and a title character but name nobody. */
const NOT_A_NAME = new Set(['施工', '成总', '全工', '和总', '明总', '文工', '乐工']);
/** Before a surname, characters that make it part of a word (对方总经理, 双方). */
const NOT_BEFORE_SURNAME = '对双我甲乙买卖各一二三四五六七八九十';
/** After 小 / 老 + surname, characters that make it a word (小程序, 老板). */
const FAMILIAR_BLOCK = '序时师板家乡总工';

const surnameAlternatives = [...COMPOUND_SURNAMES, ...SURNAMES].join('|');
const CONTACT = new RegExp(`(${surnameAlternatives})(${TITLES.join('|')})`, 'g');
const FAMILIAR = new RegExp(`(?:小|老)(${surnameAlternatives})`, 'g');

export function extractContacts(text: string): NoteContact[] {
  const found: Array<NoteContact & { index: number }> = [];
  for (const match of text.matchAll(CONTACT)) {
    const [, surname, title] = match as unknown as [string, string, string];
    const before = text[match.index! - 1] ?? '';
    const after = text[match.index! + match[0].length] ?? '';
    if (before && NOT_BEFORE_SURNAME.includes(before)) continue;
    if (NOT_A_NAME.has(match[0])) continue;
    if (after && NOT_AFTER_TITLE[title]?.includes(after)) continue;
    found.push({ surname, title, index: match.index! });
  }
  for (const match of text.matchAll(FAMILIAR)) {
    const after = text[match.index! + match[0].length] ?? '';
    if ((after && FAMILIAR_BLOCK.includes(after)) || TITLES.some((title) => text.startsWith(title, match.index! + match[0].length))) continue;
    found.push({ surname: match[1]!, index: match.index! });
  }
  found.sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  const contacts: NoteContact[] = [];
  for (const { surname, title } of found) {
    const key = `${surname}|${title ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    contacts.push(title ? { surname, title } : { surname });
  }
  return contacts;
}

// ——— Budget ———

const MAGNITUDES: Record<string, number> = { 万亿: 1e12, 亿: 1e8, 千万: 1e7, 百万: 1e6, 十万: 1e5, 万: 1e4, 千: 1e3, k: 1e3, K: 1e3, w: 1e4, W: 1e4 };
const CURRENCIES: Array<[RegExp, string]> = [
  [/美元|美金|USD|\$/i, 'USD'],
  [/欧元|EUR|€/i, 'EUR'],
  [/港币|港元|HKD/i, 'HKD'],
  [/日元|JPY/i, 'JPY'],
];
const MONEY_CONTEXT = /预算|经费|投入|费用|报价|价格|价位|金额|资金|成本|投资|采购额|合同额|总价|标的|花费|开价|出价|单价|首付|尾款|付款|打款|元|块钱|人民币|美元|美金|欧元/;
// 约 alone, not the 约 of 签约 / 预约 / 合约.
const APPROXIMATE_BEFORE = /(?:大概|大约|(?<![签预合制节公条])约|差不多|将近|接近|估计|预计)(?:在|是|有|为)?\s*$/;
const APPROXIMATE_AFTER = /^(?:左右|上下|出头|多)/;
/** 大概30万, 30万左右: the amount at `index` (ending where `rest` starts) is an estimate. */
const isApproximate = (clause: string, index: number, rest: string) => APPROXIMATE_BEFORE.test(clause.slice(0, index)) || APPROXIMATE_AFTER.test(rest);
const NUM = `[${NUMBER_CHARS}]+`;
const MAG = '(?:万亿|亿|千万|百万|十万|万|千|[kKwW](?![a-zA-Z]))';
const UNIT = '(?:元|块|人民币|美元|美金|欧元|港币|港元|日元|RMB|rmb)';
/** A quantity, not money: 3万台, 50万平米. */
const QUANTITY_AFTER = /^(?:台|套|件|个|人|平|米|吨|条|家|次|小时|天|年|辆|张|份|颗|只|箱|点|行|字|户|亩|公里|km|kg|GB|TB)/;
const RANGE = new RegExp(`(${NUM})(${MAG})?${UNIT}?\\s*(?:-|~|～|—|–|到|至)\\s*(${NUM})(${MAG})?(${UNIT})?`, 'g');
const UPPER = new RegExp(`(?:不超过|不超|最多|上限|控制在|封顶|不到|不足|低于|少于)?(${NUM})(${MAG})?(${UNIT})?(以内|之内|以下|内)?`, 'g');

const amount = (num: string, magnitude: string | undefined) => {
  const value = parseChineseNumber(num);
  return value === undefined ? undefined : Math.round(value * (magnitude ? MAGNITUDES[magnitude]! : 1));
};

function currencyOf(text: string): string {
  return CURRENCIES.find(([pattern]) => pattern.test(text))?.[1] ?? 'CNY';
}

/** A price a competitor quoted is not the customer's budget. */
const COMPETITOR_PRICE = /竞品|对手|友商|竞争/;

function budgetIn(clause: string): NoteBudget | undefined {
  if (!MONEY_CONTEXT.test(clause) && !/[万亿]/.test(clause)) return undefined;
  if (COMPETITOR_PRICE.test(clause) || (/报价|价格|出价|开价/.test(clause) && KNOWN_VENDORS.some((vendor) => clause.includes(vendor)))) return undefined;
  const currency = currencyOf(clause);
  for (const match of clause.matchAll(RANGE)) {
    const [whole, a, magA, b, magB] = match as unknown as [string, string, string | undefined, string, string | undefined];
    const rest = clause.slice(match.index! + whole.length);
    if (QUANTITY_AFTER.test(rest)) continue;
    // 80-120万: both ends share the one magnitude written.
    const min = amount(a, magA ?? magB);
    const max = amount(b, magB ?? magA);
    if (min === undefined || max === undefined || (!magA && !magB && !match[5] && !MONEY_CONTEXT.test(clause))) continue;
    if (!magA && !magB && !match[5] && max < 1000) continue;
    const approximate = isApproximate(clause, match.index!, rest);
    return { min: Math.min(min, max), max: Math.max(min, max), currency, ...(approximate ? { approximate } : {}) };
  }
  for (const match of clause.matchAll(UPPER)) {
    const [whole, num, magnitude, unit, within] = match as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    if (!magnitude && !unit) continue;
    const rest = clause.slice(match.index! + whole.length);
    if (QUANTITY_AFTER.test(rest)) continue;
    const value = amount(num, magnitude);
    if (value === undefined || value === 0) continue;
    const upper = Boolean(within) || /^(?:不超过|不超|最多|上限|控制在|封顶|不到|不足|低于|少于)/.test(whole);
    const approximate = isApproximate(clause, match.index!, rest);
    if (!MONEY_CONTEXT.test(clause) && !unit) continue;
    return { min: upper ? 0 : value, max: value, currency, ...(approximate ? { approximate } : {}) };
  }
  return undefined;
}

export function extractBudget(text: string): NoteBudget | null {
  const all = clauses(text);
  // The clause that says 预算 wins over a price mentioned in passing.
  const ordered = [...all.filter((clause) => /预算|经费|投入|投资/.test(clause)), ...all];
  for (const clause of ordered) {
    const budget = budgetIn(clause);
    if (budget) return budget;
  }
  return null;
}

// ——— Documents ———

const DOC_NOUNS = [
  '技术方案', '解决方案', '架构图', '平面图', '布局图', '议程', '拓扑图', '流程图', '设计图', '初稿', '实施方案', '报价单', '报价表', '白皮书', '说明书', '规格书', '演示稿', '授权书', '对比表', '清单', '文档', '文件', '资料', '方案', '报价',
  '案例', '手册', '协议', '合同', '报告', '证书', '资质', 'PPT', 'ppt', '样本', '图纸', '彩页', '标书', '明细', '截图', '视频', '样品', '参数表', '介绍', '计划书', '测算表', '模板',
];
const DOC_NOUN = new RegExp(`(?:${DOC_NOUNS.join('|')})`);
const DOC_TRIGGER = /(?:想看|要看|希望看到?|带上|带着|带|提供|准备|发送|发给(?:他们|客户|对方|他|她)?|发|寄|给出|给到|给(?:他们|客户|对方)?(?:一份|一套|一下)?|索要|补充|提交|出具|出|要|把)/g;
const DOC_SPLIT = /和|及|以及|、|跟|还有|与|加上|\+/;
const DOC_FILLER = /^(?:一份|一套|一下|一版|一稿|个|几份|一些|相关的?|我们的?|我方的?|尽快|过去|上|了|给他们|给客户|对方|一个|最新的?|完整的?|详细的?|的)+/;
const DOC_TAIL = new RegExp(`^(.*(?:${DOC_NOUNS.join('|')}))`);

export function extractDocuments(text: string): string[] {
  const documents: string[] = [];
  for (const clause of clauses(text)) {
    if (!DOC_NOUN.test(clause)) continue;
    const triggers = [...clause.matchAll(DOC_TRIGGER)];
    if (triggers.length === 0) continue;
    // Read from the last trigger before the first document noun (给马总发一版技术方案: from 发).
    const firstNoun = DOC_NOUN.exec(clause)!.index;
    const trigger = triggers.filter((match) => match.index! < firstNoun).pop();
    if (!trigger) continue;
    const after = clause.slice(trigger.index! + trigger[0].length);
    for (const part of after.split(DOC_SPLIT)) {
      const tail = DOC_TAIL.exec(part.trim().replace(DOC_FILLER, ''));
      const item = tail?.[1]?.replace(DOC_FILLER, '').trim();
      if (item && item.length <= 40 && !documents.includes(item)) documents.push(item);
    }
  }
  return documents;
}

// ——— Competitors ———

/** Vendors reps meet in Chinese B2B deals; a name the list lacks is still found after 竞品 / 对手 / 也在谈. */
const KNOWN_VENDORS = [
  '西门子', '施耐德', '罗克韦尔', '霍尼韦尔', 'ABB', '艾默生', '三菱', '欧姆龙', '汇川', '中控', '和利时', '研华', '倍福', '台达', '发那科', '库卡', '安川',
  '用友', '金蝶', '鼎捷', 'SAP', 'Oracle', '甲骨文', '浪潮', '华为', '华为云', '阿里云', '腾讯云', '百度智能云', '京东云', '新华三', 'H3C', '思科', '戴尔', '联想', 'IBM', '微软',
  '钉钉', '企业微信', '飞书', '纷享销客', '销售易', 'Salesforce', '红圈', '励销云', '八百客', '泛微', '致远', '蓝凌', '帆软', '明源', '宝信', '东软', '卫宁', '创业慧康', '万达信息', '神州数码', '中软',
  '海康', '海康威视', '大华', '宇视', '树根互联', '卡奥斯', '忽米', '黑湖', '云徙', '有赞', '微盟', '神策', '友盟', 'GrowingIO', '容联', '网易', '字节', '商汤', '科大讯飞',
];
const COMPETITION_CUE = /竞品|竞争|对手|对比|比较|比价|也在谈|也在看|也在接触|在谈|接触|在用|用的是|现在用|之前用|替换|PK|pk|倾向|报价|方案|也找了|还找了|还看了|同时在/;
const NAMED_AFTER = /(?:竞品|竞争对手|对手|也在谈|也在看|也在接触|还在看|还看了|还找了|也找了|用的是|现在用的?是?|之前用的?是?|在用|名叫|叫做|叫)(?:报价|方案|产品)?(?:是|有|为|：|:|了)?(?:一家)?(?:叫)?([A-Za-z][A-Za-z0-9]{1,15}|[\u4e00-\u9fa5]{2,8}?)(?=和|、|，|。|的|也|都|在|报|给|那|家|$|,|\s)/g;
const NOT_A_VENDOR = /^(?:客户|我们|他们|对方|一下|一家|几家|别家|其他|友商|同行|厂家|供应商|方案|产品|价格|报价|系统|软件|平台)$/;

export function extractCompetitors(text: string): string[] {
  const found: Array<{ name: string; index: number }> = [];
  let offset = 0;
  for (const clause of text.split(CLAUSE_SPLIT)) {
    if (COMPETITION_CUE.test(clause)) {
      for (const vendor of KNOWN_VENDORS) {
        const at = clause.indexOf(vendor);
        if (at >= 0) found.push({ name: vendor, index: offset + at });
      }
      for (const match of clause.matchAll(NAMED_AFTER)) {
        const name = match[1]!.trim();
        if (!NOT_A_VENDOR.test(name) && !/^[的是了]/.test(name) && !KNOWN_VENDORS.some((vendor) => name.includes(vendor))) found.push({ name, index: offset + match.index! + match[0].length - name.length });
      }
    }
    offset += clause.length + 1;
  }
  found.sort((a, b) => a.index - b.index || b.name.length - a.name.length);
  const names: string[] = [];
  for (const { name } of found) {
    // 海康威视 covers 海康; keep the longer spelling only.
    if (names.some((kept) => kept.includes(name))) continue;
    const shorter = names.findIndex((kept) => name.includes(kept));
    if (shorter >= 0) names.splice(shorter, 1);
    names.push(name);
  }
  return names;
}

// ——— Next steps ———

const NEXT_STEP_CUE =
  /下一步|接下来|后续|待办|回去|尽快|抓紧|安排|跟进|再约|再联系|再沟通|再确认|待确认|需确认|需要确认|要确认|提交|发送|发给|寄给|准备|整理|落实|推进|申请|协调|补充|打电话|回电|致电|再(?:跟|和|去|来|找)|让我们|请我们|希望我们|给出|给到|(?:我们|我方|我)(?:要|需要|得|会|来|负责|这边)|(?:需要|要)(?:我们|我方)|(?:前|之前)(?:要|需要|得)?(?:给|发|提交|出|完成|准备|回复|签|开通|确认)/;
const CUSTOMER_STATEMENT = /^(?:客户|对方|他们|王总|李总)?(?:说|认为|觉得|表示|反馈|提到|担心)/;
const STEP_PREFIX = /^(?:下一步|接下来|后续|然后|之后|待办)[:：，,]?\s*/;

/** 周二前开通账号: a date with 前 after it is a deadline, so the clause is something to do. */
function hasDeadline(clause: string, ref: string): boolean {
  return findDates(clause, ref).some((date) => /^(?:前|之前|以前)/.test(clause.slice(date.index + date.length)));
}

export function extractNextSteps(text: string, ref: string): string[] {
  const steps: string[] = [];
  for (const clause of clauses(text)) {
    if (!(NEXT_STEP_CUE.test(clause) || hasDeadline(clause, ref)) || CUSTOMER_STATEMENT.test(clause)) continue;
    const step = clause.replace(STEP_PREFIX, '').trim();
    if (step.length >= 2 && !steps.includes(step)) steps.push(step);
  }
  return steps;
}

// ——— Meeting ———

const MEETING_CUE = /再约|约见|过方案|验收|洽谈|谈判|看工厂|参观|拜访|来访|见面|面谈|开会|会议|演示|交流|考察|碰面|汇报|验厂|讲解|培训|座谈|评审|沟通会|上门|到访|过来|来公司|去现场|现场|答疑|签约|签合同|启动会|路演|测试|试用|评估会|走访/;
const TIME_OF_DAY = /^(?:上午|下午|晚上|中午|早上|傍晚|晚|早)?\s*(?:[0-9０-９一二两三四五六七八九十]{1,3}(?:点|:|：)(?:半|[0-9]{1,2}分?)?)?\s*/;
const PURPOSE_FILLER = /^(?:的时候|时|再|来|去|到|约|一起|安排|过来|过去|带队|要|会|在|前|之前|，)+/;

export function extractMeeting(text: string, ref: string): NoteExtraction['meeting'] {
  for (const clause of clauses(text)) {
    if (!MEETING_CUE.test(clause)) continue;
    const dates = findDates(clause, ref);
    if (dates.length === 0) continue;
    // A deadline (周五前发方案) is a next step, not a meeting.
    const date = dates.find((candidate) => !/^(?:前|之前|以前)/.test(clause.slice(candidate.index + candidate.length))) ?? undefined;
    if (!date) continue;
    const after = clause.slice(date.index + date.length).replace(TIME_OF_DAY, '').replace(PURPOSE_FILLER, '').trim();
    const cue = MEETING_CUE.exec(after) ?? MEETING_CUE.exec(clause);
    let purpose = MEETING_CUE.test(after) ? after : cue?.[0];
    if (purpose && purpose.length > 30) purpose = cue?.[0];
    return purpose ? { date: date.date, purpose } : { date: date.date };
  }
  return null;
}

/** Every field the rules can read; `at` fixes "today" (Asia/Shanghai). */
export function extractWithRules(text: string, at: Date | string): NoteExtraction {
  const ref = referenceDay(at);
  return {
    contacts: extractContacts(text),
    meeting: extractMeeting(text, ref),
    documentsRequested: extractDocuments(text),
    budget: extractBudget(text),
    competitors: extractCompetitors(text),
    nextSteps: extractNextSteps(text, ref),
  };
}
