import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKnowledgeFile } from './files.js';

const CSV = `\uFEFFexternal_id,question,answer,evidence_kind,evidence_title,evidence_url,tags,industry
csv-1,"客户说""太贵了""",按三年总成本比较更省。,case,某工厂 TCO 对比,https://example.com/tco,价格异议|竞品对比,制造业
csv-2,没有佐证,只有话术,,,,,
`;

describe('knowledge files', () => {
  it('reads CSV with a BOM, quoted quotes and the documented columns', () => {
    const rows = parseKnowledgeFile(CSV, 'csv');
    expect(rows[0]).toEqual({
      externalId: 'csv-1',
      question: '客户说"太贵了"',
      answer: '按三年总成本比较更省。',
      evidence: [{ kind: 'case', title: '某工厂 TCO 对比', url: 'https://example.com/tco' }],
      tags: ['价格异议', '竞品对比'],
      industry: '制造业',
    });
    expect(rows[1]).toMatchObject({ externalId: 'csv-2', evidence: [] });
  });

  it('names unknown CSV columns', () => {
    expect(() => parseKnowledgeFile('question,answer,colour\nq,a,red\n', 'csv')).toThrow(/colour/);
  });

  it('reads JSONL and JSON (array or { entries })', () => {
    const entry = { question: 'q', answer: 'a', evidence: [{ kind: 'other', title: 't' }] };
    expect(parseKnowledgeFile(`\uFEFF${JSON.stringify(entry)}\r\n\r\n${JSON.stringify(entry)}\n`, 'jsonl')).toHaveLength(2);
    expect(parseKnowledgeFile(JSON.stringify([entry]), 'json')).toEqual([entry]);
    expect(parseKnowledgeFile(JSON.stringify({ entries: [entry] }), 'json')).toEqual([entry]);
    expect(() => parseKnowledgeFile('{"question":', 'jsonl')).toThrow(/line 1/);
  });
});

describe('huashu kb import / export / reindex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'huashu-kb-'));
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const env = { ...process.env, DATABASE_URL: '', HUASHU_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { env });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a CSV, reports the bad row, exports JSONL that round-trips, and reindexes', async () => {
    await run('tenants', 'create', '--slug', 'acme');
    writeFileSync(join(dir, 'kb.csv'), CSV);
    const imported = await run('kb', 'import', join(dir, 'kb.csv'), '--tenant', 'acme').catch((error: { stdout: string; code: number }) => error);
    expect(imported.stdout).toContain('imported 1, updated 0, rejected 1 of 2 rows');
    expect(imported.stdout).toMatch(/row 2 \(csv-2\): evidence/);

    await run('kb', 'export', '--tenant', 'acme', '--out', join(dir, 'out.jsonl'));
    const exported = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(exported).toEqual([expect.objectContaining({ externalId: 'csv-1', question: '客户说"太贵了"', tags: ['价格异议', '竞品对比'] })]);

    const again = await run('kb', 'import', join(dir, 'out.jsonl'), '--tenant', 'acme');
    expect(again.stdout).toContain('imported 0, updated 1, rejected 0');

    const reindexed = await run('reindex', '--tenant', 'acme');
    expect(reindexed.stdout).toMatch(/acme: 1 entries embedded with huashu-local-hash-v1-512/);
    // Five CLI processes, each opening PGlite from its data dir (about 3 s alone,
    // four times that on a busy two-core runner): more room than one request needs.
  }, 180_000);
});
