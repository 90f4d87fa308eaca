-- Objection-handling knowledge: the customer's words, the answer script and its
-- evidence, always together.
CREATE TABLE knowledge_entries (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  external_id text,
  question text NOT NULL,
  answer text NOT NULL,
  evidence jsonb NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  industry text,
  product text,
  status text NOT NULL CHECK (status IN ('draft', 'pending_review', 'approved', 'rejected', 'archived')),
  author_rep_id text,
  author_name text,
  review_note text,
  reviewed_by text,
  reviewed_at timestamptz,
  verified_until timestamptz,
  -- Segmented words and characters of the question and tags (the BM25 field),
  -- built in the server with jieba; indexed as a tsvector in knowledge_lexicon.
  lexical_terms text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX knowledge_entries_external_idx ON knowledge_entries (tenant_id, external_id);
CREATE INDEX knowledge_entries_status_idx ON knowledge_entries (tenant_id, status);

-- The lexical index: the entry's terms as a tsvector (array_to_tsvector = the
-- `simple` configuration without a parser pass, so jieba's segmentation stands),
-- in a narrow table of its own because scoring candidates with ts_rank scans
-- every matching row, and the entries' rows are wide (answers, evidence).
CREATE TABLE knowledge_lexicon (
  entry_id text PRIMARY KEY REFERENCES knowledge_entries(id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  approved boolean NOT NULL,
  search_tsv tsvector NOT NULL
);
CREATE INDEX knowledge_lexicon_tsv_idx ON knowledge_lexicon USING gin (search_tsv);
CREATE INDEX knowledge_lexicon_tenant_idx ON knowledge_lexicon (tenant_id) WHERE approved;

-- One vector per entry, with the model and dimension that produced it, so a
-- change of embedder is detected and `huashu reindex` asked for. HNSW indexes
-- are partial per dimension and created by the server when first needed.
-- `approved` mirrors the entry's status (kept by the trigger below) so the dense
-- scan reads this narrow table alone: joining the entries for their status
-- tripled the scan's cost at 10k entries.
CREATE TABLE knowledge_embeddings (
  entry_id text PRIMARY KEY REFERENCES knowledge_entries(id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  model text NOT NULL,
  dim integer NOT NULL,
  approved boolean NOT NULL DEFAULT false,
  embedding vector NOT NULL
);
-- pgvector stores vectors out of line (EXTERNAL) by default; a 512-d vector is
-- just over the 2 KB TOAST threshold, so every row of the exact scan cost three
-- extra page reads (and MAIN's compression cost more than it saved). PLAIN keeps
-- it in the row, uncompressed: the scan reads only the table's own pages. The
-- price is a ceiling of about 1,900 dimensions per vector (a row must fit in an
-- 8 KB page); larger models are asked for fewer dimensions (see README).
ALTER TABLE knowledge_embeddings ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX knowledge_embeddings_tenant_idx ON knowledge_embeddings (tenant_id, model);

-- Keeps the lexicon and the vectors' `approved` flag in step with the entry, so
-- no write path can forget one of them.
CREATE FUNCTION knowledge_entries_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO knowledge_lexicon (entry_id, tenant_id, approved, search_tsv)
  VALUES (NEW.id, NEW.tenant_id, NEW.status = 'approved',
          array_to_tsvector(ARRAY(SELECT DISTINCT term FROM unnest(NEW.lexical_terms) AS term WHERE term <> '')))
  ON CONFLICT (entry_id) DO UPDATE SET approved = EXCLUDED.approved, search_tsv = EXCLUDED.search_tsv;
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
    UPDATE knowledge_embeddings SET approved = (NEW.status = 'approved')
    WHERE tenant_id = NEW.tenant_id AND entry_id = NEW.id;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER knowledge_entries_sync
  AFTER INSERT OR UPDATE OF status, lexical_terms ON knowledge_entries
  FOR EACH ROW EXECUTE FUNCTION knowledge_entries_sync();

-- Reported outcomes of using a script; success rates are computed over a recent window.
CREATE TABLE knowledge_outcomes (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entry_id text NOT NULL REFERENCES knowledge_entries(id) ON DELETE CASCADE,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
  rep_id text,
  lead_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_outcomes_entry_idx ON knowledge_outcomes (tenant_id, entry_id, created_at);
