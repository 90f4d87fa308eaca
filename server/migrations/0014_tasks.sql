-- Task cards between roles (server/src/tasks): a rep asks presales, delivery
-- or finance for something; the card carries the deal's context, the
-- deliverable follows its type's template, and every step is on the task's
-- append-only timeline.

-- Per task type: the deliverable's required sections.
CREATE TABLE task_templates (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type text NOT NULL,
  title text,
  sections jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, type)
);

-- The task as it stands now (its status, assignee, the latest deliverable);
-- how it got there is in task_events.
CREATE TABLE tasks (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  type text NOT NULL,
  title text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'accepted', 'submitted', 'changes_requested', 'approved', 'cancelled')),
  lead_id text,
  deal_id text,
  requester_id text NOT NULL,
  requester jsonb NOT NULL,
  assignee text,
  assignee_role text,
  due timestamptz,
  -- A snapshot taken when the task was created (lead and deal facts, last
  -- notes, the meeting summary, key terms); constraints confirmed later are appended.
  context jsonb NOT NULL,
  deliverable jsonb,
  deliverable_version integer NOT NULL DEFAULT 0,
  -- Set once: the assignee's first action, and the first review's decision (for the role profile).
  first_response_at timestamptz,
  first_decision text,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX tasks_lead_idx ON tasks (tenant_id, lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX tasks_deal_idx ON tasks (tenant_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX tasks_requester_idx ON tasks (tenant_id, requester_id, status);
CREATE INDEX tasks_assignee_idx ON tasks (tenant_id, assignee, status);
CREATE INDEX tasks_role_idx ON tasks (tenant_id, assignee_role);

-- Every comment, attachment, change, deliverable and decision, with who
-- (actor, business role, department) and when. Append-only: rows are never
-- updated, and deleted only with their tenant.
CREATE TABLE task_events (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  task_id text NOT NULL,
  seq bigserial,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('created', 'comment', 'attachment', 'change', 'deliverable', 'decision')),
  actor text,
  actor_name text,
  role text,
  department text,
  summary text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (tenant_id, task_id, seq)
);

CREATE FUNCTION task_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A tenant's deletion cascades here after its row is gone; anything else is an edit of history.
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'task_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER task_events_no_update BEFORE UPDATE ON task_events FOR EACH ROW EXECUTE FUNCTION task_events_append_only();
CREATE TRIGGER task_events_no_delete BEFORE DELETE ON task_events FOR EACH ROW EXECUTE FUNCTION task_events_append_only();
