import { describe, expect, it } from 'vitest';
import { compilePageTypes } from './page-types.js';

describe('compilePageTypes', () => {
  const pageType = compilePageTypes({
    '/compare/*': 'competitor_comparison',
    '/docs/**': 'documentation',
    '/pricing': 'pricing',
    '/case-?': 'case_study',
  });

  it.each([
    ['/compare/acme', 'competitor_comparison'],
    ['/compare/acme/', 'competitor_comparison'],
    ['/compare/acme/pricing', undefined],
    ['/docs/security/white-paper', 'documentation'],
    ['/pricing', 'pricing'],
    ['/pricing/', 'pricing'],
    ['/pricing.html', undefined],
    ['/case-1', 'case_study'],
    ['/', undefined],
  ])('%s → %s', (path, expected) => {
    expect(pageType(path)).toBe(expected);
  });

  it('treats regex characters in globs literally and lets the first match win', () => {
    const lookup = compilePageTypes({ '/a.b/(x)': 'literal', '/p/*': 'first', '/p/**': 'second' });
    expect(lookup('/a.b/(x)')).toBe('literal');
    expect(lookup('/aXb/(x)')).toBeUndefined();
    expect(lookup('/p/q')).toBe('first');
    expect(lookup('/p/q/r')).toBe('second');
  });
});
