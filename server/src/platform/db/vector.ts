import pgvector from 'pgvector';

/** pgvector's text form, accepted by both engines as a `$n::vector` parameter. */
export function toSql(vector: readonly number[]): string {
  return pgvector.toSql(vector as number[]) as string;
}
