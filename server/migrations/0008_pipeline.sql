-- Pipeline visibility (server/src/pipeline). The CRM keeps its pipeline and
-- reports it as events; every other table here is rebuilt from those events.

-- Per tenant: the stage definitions with their gates and stall thresholds, the
-- working hours time in stage is counted in, and the health-metric settings.
CREATE TABLE pipeline_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  stages jsonb NOT NULL DEFAULT '[]'::jsonb,
  working_hours jsonb,
  -- The calendar data and working hours the stays' working minutes were
  -- counted under; when either changes they are counted again.
  calendar_key text,
  health jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every event exactly as accepted, once per CRM event id. `seq` is arrival
-- order, used only to order events that carry the same `at`.
CREATE TABLE pipeline_events (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  seq bigserial,
  deal_id text NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX pipeline_events_deal_idx ON pipeline_events (tenant_id, deal_id, at, seq);
CREATE INDEX pipeline_events_type_idx ON pipeline_events (tenant_id, type, at);

-- Each deal as its events describe it now (rebuilt on every event for it).
CREATE TABLE pipeline_deals (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  stage text,
  stage_entered_at timestamptz,
  first_entered_at timestamptz,
  owner text,
  manager text,
  team text,
  region text,
  industry text,
  product_line text,
  lead_id text,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  files jsonb NOT NULL DEFAULT '[]'::jsonb,
  contacts jsonb NOT NULL DEFAULT '[]'::jsonb,
  last_note_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX pipeline_deals_stage_idx ON pipeline_deals (tenant_id, stage, stage_entered_at);

-- One row per stay of a deal in a stage, in `at` order. The group columns are
-- the deal's attributes when the stay began; `to_stage` is where it went next
-- (NULL while it is still there); `prev_entered_at` is when the deal last
-- entered this same stage before (NULL on its first visit), so counting the
-- deals of a stage in a period needs no DISTINCT. `entered_wm` / `exited_wm`
-- are working minutes since 2000-01-01 (Beijing time) at entry and exit, so
-- time in stage in working days is a subtraction in SQL.
CREATE TABLE pipeline_stays (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  deal_id text NOT NULL,
  seq integer NOT NULL,
  stage text NOT NULL,
  from_stage text,
  to_stage text,
  entered_at timestamptz NOT NULL,
  exited_at timestamptz,
  entered_wm double precision NOT NULL,
  exited_wm double precision,
  prev_entered_at timestamptz,
  owner text,
  team text,
  region text,
  industry text,
  product_line text,
  PRIMARY KEY (tenant_id, deal_id, seq)
);
CREATE INDEX pipeline_stays_entered_idx ON pipeline_stays (tenant_id, entered_at);

-- Every gate check the CRM asked for; failed ones make the blocking rate. The
-- group columns are the deal's attributes at check time.
CREATE TABLE pipeline_gate_checks (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  deal_id text NOT NULL,
  stage text NOT NULL,
  allowed boolean NOT NULL,
  missing jsonb NOT NULL DEFAULT '[]'::jsonb,
  owner text,
  team text,
  region text,
  industry text,
  product_line text,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX pipeline_gate_checks_deal_idx ON pipeline_gate_checks (tenant_id, deal_id, stage, checked_at);
CREATE INDEX pipeline_gate_checks_time_idx ON pipeline_gate_checks (tenant_id, checked_at);

-- A stall episode: one deal quiet in one stay since `since` (entering the
-- stage, or its last note there). The key makes the alert fire once per
-- episode however many replicas or ticks look; a note or a stage change
-- starts a new `since`, so a later stall is a new episode.
CREATE TABLE pipeline_stall_episodes (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  deal_id text NOT NULL,
  stage text NOT NULL,
  since timestamptz NOT NULL,
  entered_at timestamptz NOT NULL,
  working_days double precision NOT NULL,
  owner text,
  team text,
  region text,
  industry text,
  product_line text,
  alert_event_id text NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  PRIMARY KEY (tenant_id, deal_id, stage, since)
);
CREATE INDEX pipeline_stall_episodes_open_idx ON pipeline_stall_episodes (tenant_id, deal_id) WHERE ended_at IS NULL;
