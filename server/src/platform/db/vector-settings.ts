/**
 * Session settings for pgvector's HNSW search, applied to every connection:
 * a wider candidate list than the default 40 (the assistant takes 60 dense
 * candidates), and iterative scans so filtering by tenant after the index scan
 * still fills the LIMIT instead of returning fewer rows.
 */
export const VECTOR_SEARCH_SETTINGS = 'SET hnsw.ef_search = 100; SET hnsw.iterative_scan = relaxed_order;';

/** The same as start-up options of a `pg` connection (no extra round trip per connection). */
export const VECTOR_SEARCH_OPTIONS = '-c hnsw.ef_search=100 -c hnsw.iterative_scan=relaxed_order';
