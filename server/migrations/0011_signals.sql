-- Intent signals. Rule sets are versioned (every PUT appends one; the newest
-- is live). Signals are stored with their weight and time and decayed on read;
-- signal_scores keeps each lead's running decayed sum for sorting and for
-- threshold crossings. Subjects are leads, or anonymous visitors until an
-- identify links them (signal_visitors), when their signals move to the lead.
CREATE TABLE signal_rule_sets (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  version integer NOT NULL,
  rules jsonb NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);

-- anonymousId → lead: the first identification wins (a shared computer does not move history twice).
CREATE TABLE signal_visitors (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  anonymous_id text NOT NULL,
  lead_id text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, anonymous_id)
);
CREATE INDEX signal_visitors_lead_idx ON signal_visitors (tenant_id, lead_id);

-- A rule fires at most once per key event (the weighted event, a sequence's
-- first step, a silence's anchor): re-evaluating history never doubles a signal.
CREATE TABLE signals (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rule_id text NOT NULL,
  key_message_id text NOT NULL,
  id text NOT NULL DEFAULT ('sig_' || replace(gen_random_uuid()::text, '-', '')),
  kind text NOT NULL,
  rules_version integer NOT NULL,
  lead_id text,
  anonymous_id text,
  weight double precision NOT NULL,
  fired_at timestamptz NOT NULL,
  message_ids jsonb NOT NULL,
  label jsonb NOT NULL,
  explanation jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rule_id, key_message_id)
);
CREATE INDEX signals_lead_idx ON signals (tenant_id, lead_id, fired_at) WHERE lead_id IS NOT NULL;
CREATE INDEX signals_anonymous_idx ON signals (tenant_id, anonymous_id) WHERE lead_id IS NULL;

-- The running decayed sum of a lead's signals as of sum_at, under half_life_ms.
CREATE TABLE signal_scores (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  sum double precision NOT NULL,
  sum_at timestamptz NOT NULL,
  half_life_ms bigint NOT NULL,
  PRIMARY KEY (tenant_id, lead_id)
);

-- A silence waits from its anchor event until due_at for an expected event;
-- the periodic sweep fires the ones still pending when due.
CREATE TABLE signal_silences (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rule_id text NOT NULL,
  anchor_message_id text NOT NULL,
  rules_version integer NOT NULL,
  lead_id text,
  anonymous_id text,
  anchored_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  settled_at timestamptz,
  -- What the signal will say and weigh, fixed when the anchor arrived (a later rule version does not change it).
  weight double precision NOT NULL,
  label jsonb NOT NULL,
  explanation jsonb NOT NULL,
  PRIMARY KEY (tenant_id, rule_id, anchor_message_id)
);
CREATE INDEX signal_silences_due_idx ON signal_silences (due_at) WHERE state = 'pending';
CREATE INDEX signal_silences_lead_idx ON signal_silences (tenant_id, lead_id) WHERE state = 'pending';
CREATE INDEX signal_silences_anonymous_idx ON signal_silences (tenant_id, anonymous_id) WHERE state = 'pending';

-- Tracked share links: the short link /s/<id> names its tenant through this row.
CREATE TABLE share_links (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  target_url text NOT NULL,
  title text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_links_lead_idx ON share_links (tenant_id, lead_id);

-- Opens and per-section dwell of share links (also stored as events for rules).
CREATE TABLE share_link_views (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  message_id text NOT NULL,
  link_id text NOT NULL,
  kind text NOT NULL,
  section text,
  active_seconds double precision NOT NULL DEFAULT 0,
  device text,
  referrer_host text,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX share_link_views_link_idx ON share_link_views (tenant_id, link_id, occurred_at);
