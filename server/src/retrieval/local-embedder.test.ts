import { Embeddings } from '@langchain/core/embeddings';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCAL_DIMENSIONS, LocalEmbeddings } from './local-embedder.js';

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

const embedder = new LocalEmbeddings();

describe('LocalEmbeddings', () => {
  it('is a LangChain Embeddings with a fixed model name and dimension', () => {
    expect(embedder).toBeInstanceOf(Embeddings);
    expect(embedder.model).toBe('huashu-local-hash-v1');
    expect(embedder.dimensions).toBe(DEFAULT_LOCAL_DIMENSIONS);
    expect(DEFAULT_LOCAL_DIMENSIONS).toBe(512);
    expect(new LocalEmbeddings({ dimensions: 256 }).embedText('价格')).toHaveLength(256);
  });

  it('rejects dimensions and weights pgvector or cosine cannot use', () => {
    expect(() => new LocalEmbeddings({ dimensions: 0 })).toThrow(RangeError);
    expect(() => new LocalEmbeddings({ dimensions: 12.5 })).toThrow(RangeError);
    expect(() => new LocalEmbeddings({ dimensions: 4096 })).toThrow(RangeError);
    expect(() => new LocalEmbeddings({ weights: { words: -1 } })).toThrow(RangeError);
    expect(() => new LocalEmbeddings({ weights: { charBigrams: Number.NaN } })).toThrow(RangeError);
  });

  it('is deterministic across calls, instances and the two entry points', async () => {
    const texts = ['价格比竞品贵怎么办', 'Does the CRM support WeChat?', '预算不够，下个月再上线'];
    const documents = await embedder.embedDocuments(texts);
    const again = await new LocalEmbeddings().embedDocuments(texts);
    expect(again).toEqual(documents);
    for (const [i, text] of texts.entries()) expect(await embedder.embedQuery(text)).toEqual(documents[i]);
  });

  it('embeds large batches in order', async () => {
    const texts = Array.from({ length: 600 }, (_, i) => `第${i}条话术：价格${i % 7}`);
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toHaveLength(600);
    for (const i of [0, 255, 256, 511, 512, 599]) expect(vectors[i]).toEqual(embedder.embedText(texts[i] ?? ''));
  });

  it('returns finite unit vectors of the configured length', async () => {
    const texts = [
      '价格比竞品贵怎么办',
      'How do I cancel my subscription?',
      '2026',
      '贵'.repeat(500),
      '我们的方案包含实施、培训和一年的维护服务，上线周期通常为两到四周。'.repeat(20),
    ];
    for (const vector of await embedder.embedDocuments(texts)) {
      expect(vector).toHaveLength(512);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeCloseTo(1, 10);
    }
  });

  it('gives text without features a fixed unit vector instead of a zero vector', async () => {
    const [empty, punctuation, blank, real] = await embedder.embedDocuments(['', '？！……', ' \t\u200b ', '价格']);
    for (const vector of [empty, punctuation, blank]) {
      expect(norm(vector ?? [])).toBeCloseTo(1, 10);
    }
    expect(punctuation).toEqual(empty);
    expect(blank).toEqual(empty);
    expect(Number.isNaN(cosine(empty ?? [], real ?? []))).toBe(false);
    expect(Math.abs(cosine(empty ?? [], real ?? []))).toBeLessThan(0.5);
  });

  it('embeds traditional, full-width and simplified variants identically', () => {
    expect(embedder.embedText('價格比競品貴怎麼辦？')).toEqual(embedder.embedText('价格比竞品贵怎么办?'));
    expect(embedder.embedText('ＣＲＭ　多少錢')).toEqual(embedder.embedText('crm 多少钱'));
  });

  it.each([
    ['价格比竞品贵怎么办', '客户嫌我们贵', '办公室WiFi密码'],
    ['客户说今年没有预算', '预算不够怎么跟进', '系统什么时候上线'],
    ['系统多久能上线？', '上线周期大概多长时间', '价格能不能再便宜点'],
    ['竞品免费，我们为什么收费', '对方说竞品不要钱', '发票怎么开'],
    ['How do I cancel my subscription?', 'Cancel a subscription and get a refund', 'Office WiFi password'],
    ['Is there a discount for annual billing?', 'annual billing discount', 'How long does onboarding take?'],
  ])('places %s closer to %s than to %s', (anchor, paraphrase, unrelated) => {
    const a = embedder.embedText(anchor);
    const near = cosine(a, embedder.embedText(paraphrase));
    const far = cosine(a, embedder.embedText(unrelated));
    expect(near).toBeGreaterThan(far);
    expect(near).toBeGreaterThan(0.15);
  });

  it('ranks the right entry first in a small knowledge base', async () => {
    const kb = [
      '客户觉得价格比竞品贵，如何回应',
      '客户说预算不够，能否分期付款',
      '系统上线需要多长时间',
      '是否支持私有化部署',
      '合同和发票怎么开',
      'Do you offer a discount for annual billing?',
    ];
    const vectors = await embedder.embedDocuments(kb);
    const questions: [string, number][] = [
      ['你们比竞品贵太多了', 0],
      ['今年预算不够，可以分期吗', 1],
      ['多久能上线', 2],
      ['能部署在我们自己的服务器上吗（私有化）', 3],
      ['發票怎麼開', 4],
      ['annual billing discount?', 5],
    ];
    for (const [question, expected] of questions) {
      const q = await embedder.embedQuery(question);
      const scores = vectors.map((v) => cosine(q, v));
      expect(scores.indexOf(Math.max(...scores)), question).toBe(expected);
    }
  });

  it('changes with the weights it is given', () => {
    const wordsOnly = new LocalEmbeddings({ weights: { charBigrams: 0, charUnigrams: 0 } });
    // 价格 and 价钱 share no word, only the character 价.
    expect(cosine(wordsOnly.embedText('价格'), wordsOnly.embedText('价钱'))).toBeCloseTo(0, 10);
    expect(cosine(embedder.embedText('价格'), embedder.embedText('价钱'))).toBeGreaterThan(0.2);
  });
});
