import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WIDGET_DIST } from '../test-support/paths.js';

const KiB = 1024;
const ADMIN_BUNDLE = `${WIDGET_DIST}huashu-admin.js`;

// Reads the rollup output: run `npx tsc -b widget && npx rollup -c rollup.config.mjs` first.
describe('console bundle (huashu-admin.js)', () => {
  it('stays within 40 KiB min+gzip', () => {
    if (!existsSync(ADMIN_BUNDLE)) throw new Error(`${ADMIN_BUNDLE} is missing: run \`npx tsc -b widget && npx rollup -c rollup.config.mjs\` first`);
    // Managers open the console inside the CRM's settings pages, often on the same office
    // network as reps' 4G field phones when travelling. Eight form-heavy widgets with Lit
    // (≈ 6 KiB), the shared widget messages and the health dashboard it reuses (≈ 10 KiB),
    // the console's own zh + en messages (≈ 5 KiB) fit in 40 KiB: about a second on a slow
    // 3G link (400 kbit/s) — and a budget that refuses zod (≈ 15 KiB) or a UI kit, which the
    // forms would otherwise tempt one to add. It is a separate file, so reps never load it.
    const size = gzipSync(readFileSync(ADMIN_BUNDLE)).length;
    expect(size).toBeLessThanOrEqual(40 * KiB);
  });

  it('is one self-contained ES module defining every console element', () => {
    const code = readFileSync(ADMIN_BUNDLE, 'utf8');
    expect(code).not.toMatch(/\bimport\s*["'{*]|\bfrom\s*["'][^./]/);
    expect(code).not.toContain('Lit is in dev mode');
    expect(code).not.toContain('ZodError');
    for (const tag of ['huashu-review-queue', 'huashu-stage-editor', 'huashu-signal-rules', 'huashu-health-dashboard']) expect(code).toContain(`"${tag}"`);
  });
});
