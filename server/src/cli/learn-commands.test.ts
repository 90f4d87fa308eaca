import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/** Every CLI run boots PGlite (a few seconds each on a busy two-core box); the test makes four. */
const CLI_TEST_TIMEOUT_MS = 180_000;

// The built CLI (`npx tsc -b` first) against a PGlite data directory of its own.
describe('huashu learn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'huashu-learn-'));
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const env = { ...process.env, DATABASE_URL: '', HUASHU_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
  const run = async (...args: string[]) => (await promisify(execFile)(process.execPath, [cli, ...args], { env })).stdout;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('retrains one tenant at once, and refuses an unknown tenant or a missing target', async () => {
    await run('tenants', 'create', '--slug', 'learner');
    const result = JSON.parse(await run('learn', '--tenant', 'learner', '--json'));
    expect(result).toMatchObject({ tenant: 'learner', pairs: 0, terms: 0, phrasings: 0, variantsApproved: 0 });
    expect(Date.parse(result.trainedAt)).not.toBeNaN();
    await expect(run('learn', '--tenant', 'nobody')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "nobody"') });
    await expect(run('learn')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--tenant <slug> or --all') });
  }, CLI_TEST_TIMEOUT_MS);
});
