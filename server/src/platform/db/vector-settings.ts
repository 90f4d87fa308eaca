/**
 * Candidate list of pgvector's HNSW search. Measured on 100k entries (local
 * 512-d embedder, default m = 16 / ef_construction = 64; `npm run bench --
 * --only knowledge-large`): recall@10 against an exact scan, ties at the 10th
 * distance counted, was 0.89 at 40, 0.94 at 100 and 120, 0.95 at 150, 0.97 at
 * 200 and 0.99 at 400, for a dense query of about 2–4 ms up to 200. 200 is the
 * smallest value clear of 0.95. Below the size where the planner prefers an
 * exact scan (a few thousand rows per tenant) it costs nothing.
 */
export const HNSW_EF_SEARCH = 200;

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
