-- Leads from every channel. Contact columns hold normalised values (E.164 phone,
-- lower-case email) so cross-channel de-duplication is an index lookup.
CREATE TABLE leads (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key text,
  name text,
  phone text,
  email text,
  wechat text,
  company text,
  source text NOT NULL,
  campaign text,
  consent boolean,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  anonymous_id text,
  status text NOT NULL DEFAULT 'new',
  owner_rep_id text,
  duplicate_of text,
  first_response_due_at timestamptz,
  first_responded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX leads_idempotency_idx ON leads (tenant_id, idempotency_key);
CREATE INDEX leads_phone_idx ON leads (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX leads_email_idx ON leads (tenant_id, email) WHERE email IS NOT NULL;
CREATE INDEX leads_wechat_idx ON leads (tenant_id, wechat) WHERE wechat IS NOT NULL;
CREATE INDEX leads_anonymous_idx ON leads (tenant_id, anonymous_id) WHERE anonymous_id IS NOT NULL;

-- Every arrival of a lead, so a lead seen on a form and again at a trade show keeps both.
CREATE TABLE lead_touchpoints (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  lead_id text NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  source text NOT NULL,
  campaign text,
  page text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_touchpoints_lead_idx ON lead_touchpoints (tenant_id, lead_id, occurred_at);

-- Behaviour events. The primary key makes a re-sent messageId a no-op.
CREATE TABLE events (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  message_id text NOT NULL,
  type text NOT NULL,
  event text,
  anonymous_id text,
  lead_id text,
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX events_lead_idx ON events (tenant_id, lead_id, occurred_at) WHERE lead_id IS NOT NULL;
CREATE INDEX events_anonymous_idx ON events (tenant_id, anonymous_id, occurred_at) WHERE anonymous_id IS NOT NULL;
