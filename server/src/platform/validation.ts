import { HuashuError, type FieldIssue } from '@huashu/core';
import type { z } from 'zod';

/** Turns zod issues into field-named problems a form can show next to the field. */
export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
      continue;
    }
    issues.push({ path: base || prefix || '(root)', message: issue.message });
  }
  return issues;
}

export function describeIssues(issues: FieldIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
}

/** Parses `value` or throws a 400 naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error);
  throw new HuashuError('validation_failed', `invalid ${part}: ${describeIssues(issues)}`, { issues });
}
