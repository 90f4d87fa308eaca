/**
 * Candidate list of pgvector's HNSW search: wider than the default 40 because
 * the assistant takes 60 dense candidates; the 12k-entry bench kept recall@10
 * against an exact scan above 0.95 at this value.
 */
export const HNSW_EF_SEARCH = 100;

/**
 * Session settings applied to every connection: the candidate list above, and
 * iterative scans so filtering by tenant after the index scan still fills the
 * LIMIT instead of returning fewer rows.
 */
const SETTINGS: ReadonlyArray<[string, string | number]> = [
  ['hnsw.ef_search', HNSW_EF_SEARCH],
  ['hnsw.iterative_scan', 'relaxed_order'],
];

/** As SQL, for PGlite (one session). */
export const VECTOR_SEARCH_SETTINGS = SETTINGS.map(([name, value]) => `SET ${name} = ${value};`).join(' ');

/** As start-up options of a `pg` connection (no extra round trip per connection). */
export const VECTOR_SEARCH_OPTIONS = SETTINGS.map(([name, value]) => `-c ${name}=${value}`).join(' ');
