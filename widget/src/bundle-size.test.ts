import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { requireBundle, BUNDLE } from './test-support/paths.js';

const KiB = 1024;

// Reads the rollup output: run `npx tsc -b widget && npx rollup -c rollup.config.mjs` first.
describe('widget bundle', () => {
  it('stays within 35 KiB min+gzip', () => {
    requireBundle();
    // One <script type="module"> on a CRM page defines every widget, with Lit (≈ 6 KiB) and the
    // SDK's lead capture and assistant client (≈ 8 KiB) inside. The CRM page loads it next to
    // its own, usually much heavier, code, and reps open it on 4G in the field: 35 KiB is about
    // one second on a slow 3G link (400 kbit/s) and leaves room for the fourth widget,
    // <huashu-learning-pack>, without allowing anything like zod (≈ 15 KiB) or a UI kit in.
    const size = gzipSync(readFileSync(BUNDLE)).length;
    expect(size).toBeLessThanOrEqual(35 * KiB);
  });

  it('is one self-contained ES module', () => {
    const code = readFileSync(BUNDLE, 'utf8');
    // No bare imports left for a browser to fail on, no dev-mode Lit, no zod.
    expect(code).not.toMatch(/\bimport\s*["'{*]|\bfrom\s*["'][^./]/);
    expect(code).not.toContain('Lit is in dev mode');
    expect(code).not.toContain('ZodError');
    for (const tag of ['huashu-lead-form', 'huashu-assistant', 'huashu-contribute']) expect(code).toContain(`"${tag}"`);
  });
});
