-- The assistant on questions nobody tuned it for: variants (other customer
-- phrasings of an entry), the questions reps asked (askId), what their
-- reported outcomes taught, and the learned term associations.

-- Variants: imported/edited ones are approved with their entry; learned ones
-- start pending and are approved by a reviewer or by successes from enough
-- different reps. Each is indexed like an entry (terms + vector) so a match on
-- any variant is a match on its entry. `approved` = variant approved AND entry
-- approved, kept by the triggers below, so retrieval reads this table alone.
CREATE TABLE knowledge_variants (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entry_id text NOT NULL REFERENCES knowledge_entries(id) ON DELETE CASCADE,
  text text NOT NULL,
  -- normalised text (NFKC, simplified, lower case): one variant per phrasing and entry
  normalized text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  source text NOT NULL CHECK (source IN ('import', 'manual', 'learned')),
  lexical_terms text[] NOT NULL DEFAULT '{}',
  search_tsv tsvector NOT NULL DEFAULT ''::tsvector,
  approved boolean NOT NULL DEFAULT false,
  model text,
  dim integer,
  embedding vector,
  reviewed_by text,
  reviewed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX knowledge_variants_phrasing_idx ON knowledge_variants (tenant_id, entry_id, normalized);
CREATE INDEX knowledge_variants_entry_idx ON knowledge_variants (tenant_id, entry_id);
CREATE INDEX knowledge_variants_status_idx ON knowledge_variants (tenant_id, status, created_at);
CREATE INDEX knowledge_variants_tsv_idx ON knowledge_variants USING gin (search_tsv) WHERE approved;
-- See 0003 on PLAIN storage: the vector stays in the row for the exact scan.
ALTER TABLE knowledge_variants ALTER COLUMN embedding SET STORAGE PLAIN;

CREATE FUNCTION knowledge_variants_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_tsv := array_to_tsvector(ARRAY(SELECT DISTINCT term FROM unnest(NEW.lexical_terms) AS term WHERE term <> ''));
  NEW.approved := NEW.status = 'approved' AND EXISTS (
    SELECT 1 FROM knowledge_entries e WHERE e.tenant_id = NEW.tenant_id AND e.id = NEW.entry_id AND e.status = 'approved');
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER knowledge_variants_sync
  BEFORE INSERT OR UPDATE OF status, lexical_terms ON knowledge_variants
  FOR EACH ROW EXECUTE FUNCTION knowledge_variants_sync();

CREATE FUNCTION knowledge_entries_variants_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE knowledge_variants SET approved = (status = 'approved' AND NEW.status = 'approved')
  WHERE tenant_id = NEW.tenant_id AND entry_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER knowledge_entries_variants_sync
  AFTER UPDATE OF status ON knowledge_entries
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION knowledge_entries_variants_sync();

-- Every question asked: the askId an outcome report refers back to. `shown`
-- holds the entry ids returned, best first.
CREATE TABLE assistant_asks (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  question text NOT NULL,
  rep_id text,
  lead_id text,
  confidence text NOT NULL CHECK (confidence IN ('high', 'low', 'none')),
  shown text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistant_asks_tenant_idx ON assistant_asks (tenant_id, created_at);

-- Outcomes remember which question they answered.
ALTER TABLE knowledge_outcomes ADD COLUMN ask_id text;

-- What reported outcomes taught: one row per (question, entry, outcome, reporter),
-- the training data of the term-association model and the evidence behind learned variants.
CREATE TABLE knowledge_learning_events (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entry_id text NOT NULL REFERENCES knowledge_entries(id) ON DELETE CASCADE,
  ask_id text NOT NULL,
  question text NOT NULL,
  normalized text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
  -- the rep id, or `key:<id>` for a secret key: distinct reporters approve a variant
  reporter text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_learning_events_entry_idx ON knowledge_learning_events (tenant_id, entry_id, normalized);
CREATE INDEX knowledge_learning_events_time_idx ON knowledge_learning_events (tenant_id, created_at);

-- Per-tenant learning settings (absent row: the defaults in @huashu/core).
CREATE TABLE knowledge_learning_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  variant_approvals integer NOT NULL CHECK (variant_approvals >= 1),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The trained term-association model, shared by every replica: question term →
-- [entry term, probability] lists, pruned. Retrained from the events above.
CREATE TABLE knowledge_term_associations (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  model jsonb NOT NULL,
  pairs integer NOT NULL,
  -- the newest event the model has seen: newer events mean it is due for retraining
  trained_through timestamptz,
  trained_at timestamptz NOT NULL DEFAULT now()
);
