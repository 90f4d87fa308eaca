-- The manager's console. Every rule set a manager edits (signal rules,
-- pipeline stages and gates, capture rules, health settings, point rules) is
-- versioned here: a draft, a pilot for a group of reps over a period, then
-- published to all (the owning domain's live configuration is written then)
-- or discarded. Nothing is deleted; the audit log says who changed what, when.
CREATE TABLE console_rule_versions (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rule_set text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'pilot', 'published', 'superseded', 'discarded')),
  content jsonb NOT NULL,
  note text,
  pilot_reps jsonb,
  pilot_from timestamptz,
  pilot_until timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (tenant_id, rule_set, version)
);
-- At most one pilot per rule set: a rep must never be in two pilots of the same rules.
CREATE UNIQUE INDEX console_rule_versions_one_pilot ON console_rule_versions (tenant_id, rule_set) WHERE status = 'pilot';

CREATE TABLE console_audit (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id bigserial NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  rule_set text NOT NULL,
  version integer,
  action text NOT NULL,
  changes jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX console_audit_recent ON console_audit (tenant_id, at DESC);

-- A manager's own arrangement of a console widget (which metrics, in which order).
CREATE TABLE console_layouts (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  rep_id text NOT NULL,
  widget text NOT NULL,
  layout jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rep_id, widget)
);
