import { seededRandom, type KnowledgeEntryInput } from '@huashu/core';
import demoKnowledgeBase from '../demo/knowledge-base.json' with { type: 'json' };


const CONTEXTS = ['华东', '华南', '西南', '华北', '东北', '西北', '华中'];
const CUSTOMERS = ['汽车零部件厂', '三甲医院', '连锁超市', '城商行', '物流园区', '电商 SaaS 公司', '新能源电池厂', '区域医联体', '证券公司', '家电品牌'];
const STAGES = ['首次拜访时', '方案汇报后', '招标前', '试点阶段', '续约谈判中', '年底冲量时'];
const DETAILS = ['对方采购总监在场', '信息科主任追问', '老板亲自问', '财务要求书面回复', '竞品刚报过价', '客户提到去年的项目延期'];

/**
 * A realistic corpus of any size: the demo knowledge base's objections, each
 * placed in many different customer situations (region, customer type, stage,
 * who asked), so the vocabulary and the near-duplicates look like a real base.
 */
export function syntheticCorpus(size: number, seed = 42): KnowledgeEntryInput[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const base = demoKnowledgeBase as KnowledgeEntryInput[];
  return Array.from({ length: size }, (_, index) => {
    const template = base[index % base.length]!;
    const situation = `${pick(CONTEXTS)}${pick(CUSTOMERS)}${pick(STAGES)}，${pick(DETAILS)}`;
    return {
      ...template,
      externalId: `bench-${index}`,
      question: `${situation}：${template.question}`,
      answer: `${template.answer}（适用场景：${situation}）`,
      status: 'approved',
    };
  });
}

/** Questions a rep would type: the objections in other words (a slice of each, with a colloquial frame). */
export function syntheticQueries(count: number, seed = 7): string[] {
  const next = seededRandom(seed);
  const base = demoKnowledgeBase as KnowledgeEntryInput[];
  const frames = ['客户说', '对方问', '甲方吐槽', '老板反馈', ''];
  return Array.from({ length: count }, () => {
    const question = base[Math.floor(next() * base.length)]!.question;
    const start = Math.floor(next() * Math.max(1, question.length / 4));
    return `${frames[Math.floor(next() * frames.length)]}${question.slice(start)}`;
  });
}
