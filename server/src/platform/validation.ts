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
  const result = schema.safeParse(absentNulls(schema, value));
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error);
  throw new HuashuError('validation_failed', `invalid ${part}: ${describeIssues(issues)}`, { issues });
}

type ZodInternals = { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType } } };
const defOf = (schema: z.ZodType) => (schema as unknown as ZodInternals)._zod.def;

/** The object schema under optional/default/pipe wrappers, if there is one. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'prefault') && def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  return schema;
}

/**
 * "`null` on an optional field means absent" (DESIGN.md): removes such nulls
 * wherever `schema` declares the field optional and does not itself accept
 * null. Free-form values (records, `unknown`, event properties) are left as
 * sent, because there null is data. Returns a copy; the input is not changed.
 */
export function absentNulls(schema: z.ZodType, value: unknown): unknown {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'array' && def.element && Array.isArray(value)) return value.map((item) => absentNulls(def.element!, item));
  if (def.type !== 'object' || !def.shape || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const fieldSchema = def.shape[key];
    if (field === null && fieldSchema && fieldSchema.safeParse(undefined).success && !fieldSchema.safeParse(null).success) continue;
    // defineProperty: a plain assignment of "__proto__" would set the copy's prototype instead of a key the schema can refuse.
    Object.defineProperty(out, key, { value: fieldSchema ? absentNulls(fieldSchema, field) : field, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
