import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toWellFormedJson, truncate } from './text.js';

// ES2024's well-formedness methods are the reference here. Node 20 has them; the SDK's ES2022
// lib does not declare them (the SDK itself cannot rely on them: Safari gained them only in 16.4).
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

const GRIN = '😀'; // U+1F600: two UTF-16 code units, \ud83d\ude00
const HIGH = '\ud83d';
const LOW = '\ude00';

/** Any UTF-16 code unit, lone surrogates included: what a `.slice` or a mangled paste can hand the SDK. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/**
 * Text that leans on what the SDK has to get right: astral characters, surrogate halves, quotes,
 * backslashes, and a caller's literal text that spells a surrogate escape.
 */
const trickyUnit = fc.oneof(codeUnit, fc.constantFrom(GRIN, '👍🏽', '🇨🇳', '𠮷', '话', HIGH, LOW, '\\', '"', '\\ud83d', '\\udc00'));
const trickyText = fc.string({ unit: trickyUnit, maxLength: 40 });

/** Whether two keys of one object become the same key once mended (the reference would merge them; the JSON keeps both). */
function keysCollide(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(keysCollide);
  if (!value || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return new Set(keys.map((key) => key.toWellFormed())).size < keys.length || Object.values(value).some(keysCollide);
}

/** The reference: every string of a JSON value, keys included, made well-formed by the platform. */
function mended(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(mended);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.toWellFormed(), mended(item)]));
  return value;
}

describe('truncate', () => {
  it('never cuts an emoji in half', () => {
    const emoji = GRIN.repeat(10);
    expect(truncate(emoji, 5)).toBe(GRIN.repeat(2));
    expect(truncate(emoji, 6)).toBe(GRIN.repeat(3));
    expect(truncate(`a${emoji}`, 6)).toBe(`a${GRIN.repeat(2)}`);
  });

  it('cuts BMP text (Chinese) exactly, and leaves short text whole', () => {
    expect(truncate('数据安全白皮书', 4)).toBe('数据安全');
    expect(truncate('短', 4)).toBe('短');
    expect(truncate(GRIN, 2)).toBe(GRIN);
    expect(truncate('', 3)).toBe('');
  });

  it('property: a prefix, within the limit, at most one unit short of it, and well-formed when the input was', () => {
    fc.assert(
      fc.property(trickyText, fc.integer({ min: 1, max: 45 }), (text, maxLength) => {
        const cut = truncate(text, maxLength);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(maxLength);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(text.length, maxLength) - 1);
        if (text.isWellFormed()) expect(cut.isWellFormed()).toBe(true);
      }),
    );
  });
});

describe('toWellFormedJson', () => {
  it('replaces lone surrogates in values and keys with U+FFFD and keeps pairs', () => {
    const json = toWellFormedJson({ [`k${LOW}`]: `${HIGH}x${GRIN}${LOW}${HIGH}`, reversed: `${LOW}${HIGH}`, list: [HIGH] });
    expect(JSON.parse(json)).toEqual({ 'k\ufffd': `\ufffdx${GRIN}\ufffd\ufffd`, reversed: '\ufffd\ufffd', list: ['\ufffd'] });
    expect(json.isWellFormed()).toBe(true);
    expect(json).not.toMatch(/\\ud[89a-f]/i);
  });

  it('leaves text that merely looks like an escape alone', () => {
    // A caller's literal backslash before "ud83d", and one before a real lone surrogate.
    const value = { typed: '\\ud83d', both: `\\${HIGH}`, doubled: '\\\\ud800' };
    expect(JSON.parse(toWellFormedJson(value))).toEqual({ typed: '\\ud83d', both: '\\\ufffd', doubled: '\\\\ud800' });
  });

  it('is JSON.stringify for well-formed values', () => {
    const value = { title: `数据安全白皮书 ${GRIN}👍🏽🇨🇳`, control: '\u0001\n\t', n: 1, nested: [{ a: null }] };
    expect(toWellFormedJson(value)).toBe(JSON.stringify(value));
  });

  it('property: the same text JSON.stringify writes for the value with every string made well-formed', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: trickyUnit, maxDepth: 3 }), (value) => {
        fc.pre(!keysCollide(value));
        const json = toWellFormedJson(value);
        expect(json).toBe(JSON.stringify(mended(value)));
        expect(json.isWellFormed()).toBe(true);
      }),
    );
  });
});
