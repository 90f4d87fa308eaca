-- Knowledge that grows itself: review with "changes requested", contribution
-- points, scenario learning packs, conversation capture.

-- A reviewer may send an entry back to its author instead of rejecting it.
ALTER TABLE knowledge_entries DROP CONSTRAINT knowledge_entries_status_check;
ALTER TABLE knowledge_entries ADD CONSTRAINT knowledge_entries_status_check
  CHECK (status IN ('draft', 'pending_review', 'changes_requested', 'approved', 'rejected', 'archived'));

-- ── Points ──────────────────────────────────────────────────────────────────
-- Amounts per outcome; a tenant without a row pays the defaults.
CREATE TABLE points_rules (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  rules jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The ledger: append-only, every row says why (reason) and what caused it
-- (cause_type, cause_id, and the domain event that delivered it). No foreign
-- key to the entry: the history of what was paid outlives any entry row.
CREATE TABLE points_ledger (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  amount integer NOT NULL CHECK (amount <> 0),
  reason text NOT NULL CHECK (reason IN ('entry_approved', 'success_reported', 'entry_reverified', 'redemption', 'reversal')),
  cause_type text NOT NULL CHECK (cause_type IN ('knowledge_entry', 'outcome', 'redemption', 'ledger')),
  cause_id text NOT NULL,
  entry_id text,
  actor_rep_id text,
  reward_id text,
  event_id text,
  reverses_id text REFERENCES points_ledger(id),
  -- The Asia/Shanghai calendar day of the cause: "once per day" rules count in the reps' own days.
  day date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Redelivering an event never pays twice.
CREATE UNIQUE INDEX points_ledger_event_idx ON points_ledger (tenant_id, event_id) WHERE event_id IS NOT NULL;
-- Repeated success reports by one rep on one entry count once per day.
CREATE UNIQUE INDEX points_ledger_success_daily_idx ON points_ledger (tenant_id, entry_id, actor_rep_id, day) WHERE reason = 'success_reported';
-- Re-verifying one entry pays once per day, however often it is approved again.
CREATE UNIQUE INDEX points_ledger_reverified_daily_idx ON points_ledger (tenant_id, entry_id, day) WHERE reason = 'entry_reverified';
-- A row is reversed at most once.
CREATE UNIQUE INDEX points_ledger_reversal_idx ON points_ledger (tenant_id, reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX points_ledger_rep_idx ON points_ledger (tenant_id, rep_id, created_at);
CREATE INDEX points_ledger_entry_idx ON points_ledger (tenant_id, entry_id) WHERE entry_id IS NOT NULL;
CREATE INDEX points_ledger_period_idx ON points_ledger (tenant_id, created_at);

-- Each rep's balance, kept by the trigger below in the transaction of every
-- ledger insert, so it is always the ledger's sum. Its row is also the lock
-- that serialises everything touching one rep's points (redemptions, credits).
-- A reversal may take it below zero (points already spent on an entry later
-- archived); redemptions never do.
CREATE TABLE points_balances (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  balance integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rep_id)
);

CREATE FUNCTION points_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO points_balances (tenant_id, rep_id, balance) VALUES (NEW.tenant_id, NEW.rep_id, NEW.amount)
  ON CONFLICT (tenant_id, rep_id) DO UPDATE SET balance = points_balances.balance + EXCLUDED.balance, updated_at = now();
  RETURN NULL;
END;
$$;
CREATE TRIGGER points_ledger_apply AFTER INSERT ON points_ledger FOR EACH ROW EXECUTE FUNCTION points_ledger_apply();

-- Append-only: corrections are new rows (reversals), never edits. Deleting is
-- left to the tenant's own cascade (a trigger depth above 1 means a foreign
-- key action is running, not a statement of ours).
CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'points_ledger is append-only: add a reversal row instead';
END;
$$;
CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();

-- Who a rep id is (name from their token) and which team they are on, for the leaderboard.
CREATE TABLE points_reps (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  name text,
  team text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rep_id)
);
CREATE INDEX points_reps_team_idx ON points_reps (tenant_id, team);

-- The rewards catalogue. `stock` NULL = unlimited; the CHECK is the last line
-- against overselling should a code path ever forget the conditional update.
CREATE TABLE points_rewards (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  description text,
  cost integer NOT NULL CHECK (cost > 0),
  stock integer CHECK (stock IS NULL OR stock >= 0),
  active boolean NOT NULL DEFAULT true,
  position integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE points_redemptions (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  reward_id text NOT NULL,
  reward_name text NOT NULL,
  cost integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_redemptions_tenant_idx ON points_redemptions (tenant_id, created_at);

-- ── Learning packs ─────────────────────────────────────────────────────────
CREATE TABLE learning_packs (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  slug text NOT NULL,
  name text NOT NULL,
  description text,
  industry text,
  tags text[] NOT NULL DEFAULT '{}',
  hired_within_days integer NOT NULL CHECK (hired_within_days > 0),
  items jsonb NOT NULL,
  entry_filter jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, slug)
);

-- A pack reaches a rep once: the primary key is the "once per rep and scenario" rule.
CREATE TABLE pack_deliveries (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  pack_id text NOT NULL REFERENCES learning_packs(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  rep_name text,
  lead_id text,
  industry text,
  delivered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id, rep_id)
);
CREATE INDEX pack_deliveries_rep_idx ON pack_deliveries (tenant_id, rep_id);

CREATE TABLE pack_progress (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  pack_id text NOT NULL REFERENCES learning_packs(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  item_id text NOT NULL,
  done boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id, rep_id, item_id)
);

-- ── Conversation capture ───────────────────────────────────────────────────
CREATE TABLE capture_rules (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  rules jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per captured export; the conversation itself is not kept, only the
-- snippets that matched a rule (with their context).
CREATE TABLE conversation_captures (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  conversation_id text,
  source text,
  rep_id text,
  lead_id text,
  message_count integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conversation_captures_external_idx ON conversation_captures (tenant_id, conversation_id) WHERE conversation_id IS NOT NULL;

-- A snippet becomes either a candidate entry (candidate_entry_id) or a
-- real-world example of an approved entry it closely matches (linked_entry_id).
-- The fingerprint (a hash of the span's messages with their times) keeps a
-- re-sent export from creating the same candidate twice.
CREATE TABLE conversation_snippets (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  capture_id text NOT NULL REFERENCES conversation_captures(id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  tags text[] NOT NULL,
  matches jsonb NOT NULL,
  span_from integer NOT NULL,
  span_to integer NOT NULL,
  context jsonb NOT NULL,
  question text NOT NULL,
  answer text,
  candidate_entry_id text,
  linked_entry_id text,
  similarity double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX conversation_snippets_capture_idx ON conversation_snippets (tenant_id, capture_id);
CREATE INDEX conversation_snippets_linked_idx ON conversation_snippets (tenant_id, linked_entry_id) WHERE linked_entry_id IS NOT NULL;
