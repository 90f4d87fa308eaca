import type { EvidenceKind } from '@huashu/core';
import type { MessageKey } from './i18n.js';

/** The evidence kinds of `@huashu/core`, in the order a contributor picks from (the type keeps the list complete). */
export const EVIDENCE_KINDS = ['case', 'test_report', 'certification', 'document', 'other'] as const satisfies readonly EvidenceKind[];

type MissingKind = Exclude<EvidenceKind, (typeof EVIDENCE_KINDS)[number]>;
type AssertTrue<T extends true> = T;
/** Compiles only while no kind of the schema is missing from the list above; emits no code. */
export type EvidenceKindsComplete = AssertTrue<[MissingKind] extends [never] ? true : false>;

/** The label key of a kind; data from a custom client may carry a kind this widget does not know, shown as "other". */
export function evidenceKindLabel(kind: unknown): MessageKey {
  return (EVIDENCE_KINDS as readonly unknown[]).includes(kind) ? (`evidence.${kind as EvidenceKind}` as const) : 'evidence.other';
}
