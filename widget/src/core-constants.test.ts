import { QUESTION_MAX as CORE_QUESTION_MAX } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import { QUESTION_MAX } from './components/assistant/assistant.component.js';

// The widgets copy a few limits from @huashu/core instead of importing it, so
// the bundle does not pull in zod; these tests keep the copies honest.
describe('constants copied from @huashu/core', () => {
  it('uses the server question limit', () => {
    expect(QUESTION_MAX).toBe(CORE_QUESTION_MAX);
  });
});
