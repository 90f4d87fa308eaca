import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/** Every CLI run boots PGlite (a few seconds each on a busy two-core box); a test makes up to five. */
const CLI_TEST_TIMEOUT_MS = 180_000;

// The built CLI (`npx tsc -b` first) against a PGlite data directory of its own.
describe('huashu points / packs / capture-rules / capture / review', () => {
  const dir = mkdtempSync(join(tmpdir(), 'huashu-ops-'));
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const env = { ...process.env, DATABASE_URL: '', HUASHU_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
  const run = async (...args: string[]) => (await promisify(execFile)(process.execPath, [cli, ...args, '--tenant', 'ops'], { env })).stdout;
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets rewards and rules, and refuses a bad file naming the field', async () => {
    await promisify(execFile)(process.execPath, [cli, 'tenants', 'create', '--slug', 'ops'], { env });
    const rewards = file('rewards.json', { rewards: [{ id: 'course', name: '培训课程', cost: 200, stock: 5 }, { id: 'leave', name: '额外假期', cost: 800 }] });
    expect(await run('points', 'rewards', 'set', rewards)).toContain('2 rewards');
    expect(await run('points', 'rewards', 'list')).toContain('course  培训课程  200 分  余 5');
    expect(await run('points', 'rules', '--set', '{"entryApproved":12}')).toContain('entry approved      12');
    const bad = file('bad.json', { rewards: [{ id: 'x', name: '', cost: 0 }] });
    await expect(run('points', 'rewards', 'set', bad)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/rewards\.0\.(name|cost)/) });
  }, CLI_TEST_TIMEOUT_MS);

  it('puts a pack, lists it and shows its completion', async () => {
    const pack = file('pack.json', {
      name: '零售连锁新人学习包',
      scenario: { industry: '零售' },
      audience: { hiredWithinDays: 90 },
      items: [{ id: 'pos-faq', kind: 'faq', title: '门店 POS 对接 FAQ', url: 'https://docs.example.com/pos' }],
    });
    expect(await run('packs', 'put', 'retail', pack)).toContain('retail: 1 items');
    expect(await run('packs', 'list')).toContain('retail  零售连锁新人学习包  industry=零售');
    expect(await run('packs', 'completion', 'retail')).toContain('零售连锁新人学习包 (1 items)');
  }, CLI_TEST_TIMEOUT_MS);

  it('shows the capture rules and dry-runs a conversation export', async () => {
    expect(JSON.parse(await run('capture-rules', 'show')).rules.map((rule: { tag: string }) => rule.tag)).toEqual(['价格异议', '竞品对比', '交付压力']);
    const chat = file('chat.json', { messages: [{ role: 'customer', text: '友商报价只有你们一半', at: '2026-12-01T10:00:00+08:00' }] });
    const out = await run('capture', chat, '--dry-run');
    expect(out).toContain('[竞品对比] 友商报价只有你们一半');
    expect(out).toContain('not stored (dry run)');
    expect(await run('review', 'queue')).toContain('0 waiting for review');
  }, CLI_TEST_TIMEOUT_MS);
});
