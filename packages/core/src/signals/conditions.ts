/**
 * Whether a behaviour event matches a rule's event and conditions. Pure and
 * isomorphic: the server evaluates rules with it on ingest and in the dry-run,
 * and a console can preview a rule against sample events with the same code.
 */

export type Scalar = string | number | boolean;

export const CONDITION_OPS = ['eq', 'in', 'gte', 'lte', 'exists'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface Condition {
  /** A property of the event (`pageType`, `activeSeconds`); dots reach into nested objects (`utm.source`). */
  property: string;
  op: ConditionOp;
  value?: Scalar | Scalar[];
}

export interface LocalizedText {
  zh: string;
  en: string;
}

export interface EventMatcher {
  /** A track event's name, or `page` for page views. */
  event: string;
  where?: Condition[];
  /** How explanations name what this matches (`对比页` / `the comparison page`). */
  label?: LocalizedText;
}

/** The event name that matches page views (`type: 'page'`) rather than a track event. */
export const PAGE_EVENT = 'page';

/** An event as rules see it: `at` in epoch milliseconds (already clock-corrected by ingest). */
export interface SignalEvent {
  messageId: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  at: number;
}

/** The property at `path`: a key that itself contains dots wins over walking into objects. */
export function propertyAt(properties: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(properties, path)) return properties[path];
  let node: unknown = properties;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A number, or a string that is one (`"180"`); anything else is not comparable. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Equal as scalars; a number and its decimal string count as equal (query strings and forms send numbers as text). */
function sameScalar(actual: unknown, expected: Scalar): boolean {
  if (actual === expected) return true;
  if (typeof expected === 'number' || typeof actual === 'number') {
    const a = numeric(actual);
    return a !== undefined && a === numeric(expected);
  }
  return false;
}

export function conditionHolds(condition: Condition, properties: Record<string, unknown>): boolean {
  const actual = propertyAt(properties, condition.property);
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'eq':
      return condition.value !== undefined && !Array.isArray(condition.value) && sameScalar(actual, condition.value);
    case 'in':
      return Array.isArray(condition.value) && condition.value.some((value) => sameScalar(actual, value));
    case 'gte':
    case 'lte': {
      const a = numeric(actual);
      const bound = typeof condition.value === 'number' ? condition.value : undefined;
      if (a === undefined || bound === undefined) return false;
      return condition.op === 'gte' ? a >= bound : a <= bound;
    }
  }
}

/** The event is the matcher's event (a page view for `page`) and every condition holds. */
export function matchesEvent(matcher: EventMatcher, event: SignalEvent): boolean {
  const named = matcher.event === PAGE_EVENT ? event.type === 'page' : event.type === 'track' && event.event === matcher.event;
  if (!named || !matcher.where) return named;
  for (const condition of matcher.where) if (!conditionHolds(condition, event.properties)) return false;
  return true;
}
