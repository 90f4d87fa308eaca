import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFaqPairs, parseCsv } from './datasets.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b,c\r\n"x, y","say ""hi""",1\n"two\nlines",z,0\n')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', '1'],
      ['two\nlines', 'z', '0'],
    ]);
  });

  it('keeps a last row without a trailing newline and empty fields', () => {
    expect(parseCsv('a,,c')).toEqual([['a', '', 'c']]);
  });
});

describe('loadFaqPairs', () => {
  function dataFolder(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'huashu-faq-'));
    mkdirSync(join(root, 'faq-pairs'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(root, 'faq-pairs', name), content);
    return root;
  }

  it('builds the KB from distinct second sentences and one query per positive pair', () => {
    const root = dataFolder({
      'lcqmc-dev.tsv': ['怎么开证明\t证明怎么开\t1', '今天天气\t明天天气\t0', '证明如何开\t证明怎么开\t1', '', '猫吃什么\t猫粮推荐\t1'].join('\n'),
    });
    const dataset = loadFaqPairs(root, 'lcqmc')!;
    expect(dataset.entries.map((entry) => entry.question)).toEqual(['证明怎么开', '明天天气', '猫粮推荐']);
    expect(dataset.entries[0]).toMatchObject({ answer: '证明怎么开', evidence: [{ kind: 'other', title: 'LCQMC dev' }], status: 'approved' });
    expect(dataset.queries.map((query) => [query.text, query.relevant])).toEqual([
      ['怎么开证明', [dataset.entries[0]!.externalId]],
      ['证明如何开', [dataset.entries[0]!.externalId]],
      ['猫吃什么', [dataset.entries[2]!.externalId]],
    ]);
    expect(dataset.outOfScope).toEqual([]);
  });

  it('reads BQ as CSV with a BOM and a header, and ATEC/CCKS as TSV with a header', () => {
    const root = dataFolder({
      'bq-dev.csv': '\uFEFFsentence1,sentence2,label\n"借款, 怎么还",还款方式,1\n利息多少,利率,0\n',
      'atec-ccks-dev.tsv': 'text_1\ttext_2\tlabel\n花呗怎么还\t花呗还款\t1\n',
    });
    const bq = loadFaqPairs(root, 'bq')!;
    expect(bq.queries.map((query) => query.text)).toEqual(['借款, 怎么还']);
    expect(bq.entries.map((entry) => entry.question)).toEqual(['还款方式', '利率']);
    expect(bq.entries[0]!.evidence).toEqual([{ kind: 'other', title: 'BQ dev' }]);
    const atec = loadFaqPairs(root, 'atec-ccks')!;
    expect(atec.queries).toHaveLength(1);
    expect(atec.entries.map((entry) => entry.question)).toEqual(['花呗还款']);
  });

  it('samples queries deterministically, nested across sizes, and says so', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `问题${i}\t答案${i}\t1`).join('\n');
    const root = dataFolder({ 'lcqmc-dev.tsv': rows });
    const small = loadFaqPairs(root, 'lcqmc', { maxQueries: 10 })!;
    const large = loadFaqPairs(root, 'lcqmc', { maxQueries: 20 })!;
    expect(small.queries).toHaveLength(10);
    expect(small.entries).toHaveLength(40);
    const largeIds = new Set(large.queries.map((query) => query.id));
    expect(small.queries.every((query) => largeIds.has(query.id))).toBe(true);
    expect(loadFaqPairs(root, 'lcqmc', { maxQueries: 10 })!.queries).toEqual(small.queries);
    expect(small.notes[0]).toMatch(/10 of 40 positive pairs/);
  });

  it('returns undefined when the corpus is absent and rejects malformed rows', () => {
    expect(loadFaqPairs(join(tmpdir(), 'no-such-huashu-folder'), 'lcqmc')).toBeUndefined();
    const root = dataFolder({ 'lcqmc-dev.tsv': 'only two\tcolumns\n' });
    expect(() => loadFaqPairs(root, 'lcqmc')).toThrow(/row 1 has 2 columns/);
  });
});
