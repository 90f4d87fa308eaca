-- Leads from every channel, one lead per person (server/src/leads).

-- A lead absorbed by a merge keeps its row (so an unmerge can restore it) and
-- points at the lead that absorbed it; every list and lookup skips such rows.
ALTER TABLE leads RENAME COLUMN duplicate_of TO merged_into;
ALTER TABLE leads
  ADD COLUMN title text,
  ADD COLUMN region text,
  ADD COLUMN industry text,
  ADD COLUMN source_id text,
  -- Per field: which touchpoint (source, channel, time, merge) supplied its value.
  ADD COLUMN provenance jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN assignee_name text,
  ADD COLUMN assignment_rule_id text,
  ADD COLUMN assignment_reason jsonb,
  ADD COLUMN assigned_at timestamptz,
  ADD COLUMN first_response_by text,
  -- Set once, by the SLA job, in the transaction that emits lead.sla_breached.
  ADD COLUMN sla_breached_at timestamptz;

CREATE INDEX leads_list_idx ON leads (tenant_id, created_at DESC, id DESC) WHERE merged_into IS NULL;
CREATE INDEX leads_assignee_idx ON leads (tenant_id, owner_rep_id, created_at DESC) WHERE merged_into IS NULL;
-- The SLA sweep: unanswered, not yet breached, still a lead of its own.
CREATE INDEX leads_sla_due_idx ON leads (first_response_due_at)
  WHERE first_responded_at IS NULL AND sla_breached_at IS NULL AND merged_into IS NULL;

-- Who a person is: phone (E.164), email (lower-case), WeChat id (lower-case),
-- WeChat unionid. The primary key is what makes "one lead per person" hold
-- under concurrency: two submissions cannot both claim the same identity.
CREATE TABLE lead_identities (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('phone', 'email', 'wechat', 'unionid')),
  value text NOT NULL,
  lead_id text NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  -- The merge that brought this identity to its lead (NULL: the lead's own).
  merge_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, value)
);
CREATE INDEX lead_identities_lead_idx ON lead_identities (tenant_id, lead_id);

-- Touchpoints keep the submission they record: its channel, its registered
-- source, the payload as received, and the idempotency key or webhook id that
-- makes a retry a no-op.
ALTER TABLE lead_touchpoints
  ADD COLUMN channel text NOT NULL DEFAULT 'api',
  ADD COLUMN source_id text,
  ADD COLUMN idempotency_key text,
  ADD COLUMN webhook_id text,
  ADD COLUMN external_id text,
  ADD COLUMN raw jsonb,
  -- The normalised submission (contact, profile, fields): what an unmerge restores.
  ADD COLUMN submitted jsonb,
  ADD COLUMN merge_id text,
  ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX lead_touchpoints_idempotency_idx ON lead_touchpoints (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX lead_touchpoints_source_idx ON lead_touchpoints (tenant_id, source, lead_id);

-- Leads stored before this migration: their idempotency keys move to their
-- first touchpoint, and their contacts become identities (the oldest lead
-- keeps an identity two old leads shared; they stay separate leads).
UPDATE lead_touchpoints t SET idempotency_key = l.idempotency_key
FROM leads l
WHERE l.tenant_id = t.tenant_id AND l.id = t.lead_id AND l.idempotency_key IS NOT NULL
  AND t.id = (SELECT f.id FROM lead_touchpoints f WHERE f.tenant_id = t.tenant_id AND f.lead_id = t.lead_id ORDER BY f.occurred_at, f.id LIMIT 1);
INSERT INTO lead_identities (tenant_id, kind, value, lead_id, created_at)
SELECT tenant_id, 'phone', phone, id, created_at FROM leads WHERE phone IS NOT NULL ORDER BY created_at, id
ON CONFLICT DO NOTHING;
INSERT INTO lead_identities (tenant_id, kind, value, lead_id, created_at)
SELECT tenant_id, 'email', lower(email), id, created_at FROM leads WHERE email IS NOT NULL ORDER BY created_at, id
ON CONFLICT DO NOTHING;
INSERT INTO lead_identities (tenant_id, kind, value, lead_id, created_at)
SELECT tenant_id, 'wechat', lower(wechat), id, created_at FROM leads WHERE wechat IS NOT NULL ORDER BY created_at, id
ON CONFLICT DO NOTHING;

-- The merge journal. kind 'submission': a new contact joined survivor_id (its
-- would-be lead id is absorbed_id, its lead as it would have been is in
-- absorbed_snapshot); kind 'lead': the existing lead absorbed_id was folded in.
-- `moved` lists what moved (touchpoints, identities, filled fields) so an
-- unmerge moves exactly that back.
CREATE TABLE lead_merges (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('submission', 'lead')),
  survivor_id text NOT NULL,
  absorbed_id text NOT NULL,
  matched_on jsonb NOT NULL,
  moved jsonb NOT NULL,
  absorbed_snapshot jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  undone_at timestamptz,
  undone_by text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX lead_merges_survivor_idx ON lead_merges (tenant_id, survivor_id, created_at);
CREATE INDEX lead_merges_absorbed_idx ON lead_merges (tenant_id, absorbed_id);

-- Registered channels. The webhook secret is stored as issued: Standard
-- Webhooks verification is an HMAC, which needs the key itself. It is never
-- returned after creation and never logged. The previous secret verifies
-- until previous_secret_expires_at (rotation grace).
CREATE TABLE lead_sources (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  slug text NOT NULL,
  name text,
  preset text NOT NULL CHECK (preset IN ('web_form', 'ad_platform', 'call_center', 'trade_show_qr', 'custom')),
  mapping jsonb NOT NULL DEFAULT '{}'::jsonb,
  first_response_sla text NOT NULL DEFAULT 'PT48H',
  -- NULL: the SLA runs in calendar time; else the working windows ([{ start, end }]).
  working_hours jsonb,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, slug)
);
-- The inbound route knows only the slug: it finds the candidates by it and
-- lets the signature decide which tenant's source it is.
CREATE INDEX lead_sources_slug_idx ON lead_sources (slug);

-- Webhook ids already processed, per source: a redelivery stores nothing twice.
CREATE TABLE lead_webhook_receipts (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source_id text NOT NULL,
  webhook_id text NOT NULL,
  lead_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source_id, webhook_id)
);

-- Assignment: the ordered rules of a tenant as one document, a round-robin
-- counter per rule (incremented in one statement, so concurrent leads never
-- read the same turn) and each rep's count per Beijing-time day (capacity is
-- checked and taken in one statement).
CREATE TABLE assignment_rules (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  rules jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE assignment_counters (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rule_id text NOT NULL,
  turns bigint NOT NULL,
  PRIMARY KEY (tenant_id, rule_id)
);
CREATE TABLE assignment_daily_load (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  day date NOT NULL,
  assigned integer NOT NULL,
  PRIMARY KEY (tenant_id, rep_id, day)
);
