import { HuashuError, MAX_JSON_DEPTH, unstorableTextReason, type FieldIssue } from '@huashu/core';
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

/** Most problems one walk reports: enough to fix a form, bounded for a hostile body. */
const MAX_REPORTED_ISSUES = 20;
/** Longest field name quoted in an issue path; the rest is elided. */
const MAX_PATH_SEGMENT = 64;
/** `__proto__` as a key would replace an object's prototype wherever code copies fields by assignment. */
const PROTOTYPE_KEY = '__proto__';

export interface StorageCheckOptions {
  /**
   * A top-level array field whose items the caller checks one by one (with
   * `parseItem`), so that one poisoned item is rejected alone: the walk does
   * not enter its items.
   */
  itemsField?: string;
}

function pathSegment(key: string): string {
  // The path is shown back to the caller: it must itself be storable and short.
  const printable = key.replace(/\u0000|\p{Cs}/gu, '\uFFFD');
  return printable.length > MAX_PATH_SEGMENT ? `${printable.slice(0, MAX_PATH_SEGMENT)}…` : printable;
}

/**
 * What no schema is trusted to catch and the database cannot store, anywhere
 * in a parsed JSON value (free-form fields included): NUL characters and lone
 * surrogates in strings and keys, nesting deeper than MAX_JSON_DEPTH,
 * non-finite numbers (`1e999` parses as Infinity, which JSON cannot carry
 * back) and `__proto__` keys. The walk keeps its own stack, so no depth can
 * overflow the call stack.
 */
export function storageIssues(value: unknown, options: StorageCheckOptions = {}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: Array<{ value: unknown; path: readonly string[]; depth: number }> = [{ value, path: [], depth: 1 }];
  const at = (path: readonly string[]) => path.join('.') || '(root)';
  while (pending.length > 0 && issues.length < MAX_REPORTED_ISSUES) {
    const node = pending.pop()!;
    if (typeof node.value === 'string') {
      const reason = unstorableTextReason(node.value);
      if (reason) issues.push({ path: at(node.path), message: reason });
      continue;
    }
    if (typeof node.value === 'number') {
      if (!Number.isFinite(node.value)) issues.push({ path: at(node.path), message: 'is out of range (not a finite number)' });
      continue;
    }
    if (node.value === null || typeof node.value !== 'object') continue;
    if (node.depth > MAX_JSON_DEPTH) {
      issues.push({ path: at(node.path), message: `is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays, the limit for any request` });
      continue;
    }
    const children: Array<{ value: unknown; path: readonly string[]; depth: number }> = [];
    if (Array.isArray(node.value)) {
      node.value.forEach((item, index) => children.push({ value: item, path: [...node.path, String(index)], depth: node.depth + 1 }));
    } else {
      for (const [key, child] of Object.entries(node.value)) {
        const path = [...node.path, pathSegment(key)];
        const keyReason = key === PROTOTYPE_KEY ? 'is not allowed as a field name' : unstorableTextReason(key);
        if (keyReason) {
          issues.push({ path: at(path), message: `field name ${keyReason}` });
          continue;
        }
        if (node.depth === 1 && key === options.itemsField && Array.isArray(child)) continue;
        children.push({ value: child, path, depth: node.depth + 1 });
      }
    }
    // Reversed onto the stack so issues come out in document order.
    for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]!);
  }
  return issues;
}

/** Parses `value` or throws a 400 naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: 'body' | 'query' | 'params' = 'body',
  options: StorageCheckOptions = {},
): z.output<S> {
  const unstorable = storageIssues(value, options);
  if (unstorable.length > 0) throw new HuashuError('validation_failed', `invalid ${part}: ${describeIssues(unstorable)}`, { issues: unstorable });
  const result = schema.safeParse(absentNulls(schema, value));
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error);
  throw new HuashuError('validation_failed', `invalid ${part}: ${describeIssues(issues)}`, { issues });
}

export type ItemResult<T> = { success: true; data: T } | { success: false; issues: FieldIssue[] };

/**
 * One item of a batch or import, checked the way `parseOrThrow` checks a
 * body, but returning its problems so the caller can reject it alone by index.
 */
export function parseItem<S extends z.ZodType>(schema: S, raw: unknown): ItemResult<z.output<S>> {
  const unstorable = storageIssues(raw);
  if (unstorable.length > 0) return { success: false, issues: unstorable };
  const result = schema.safeParse(absentNulls(schema, raw));
  return result.success ? { success: true, data: result.data } : { success: false, issues: toFieldIssues(result.error) };
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
    // Own keys only: `constructor` or `toString` must not find Object.prototype's members in the shape.
    const fieldSchema = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
    if (field === null && fieldSchema && fieldSchema.safeParse(undefined).success && !fieldSchema.safeParse(null).success) continue;
    // defineProperty: a plain assignment of "__proto__" would set the copy's prototype instead of a key the schema can refuse.
    Object.defineProperty(out, key, { value: fieldSchema ? absentNulls(fieldSchema, field) : field, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
