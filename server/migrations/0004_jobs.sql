-- Durable jobs and the transactional outbox (server/src/platform/jobs). A queue
-- of our own: pg-boss and graphile-worker need a real Postgres server, and the
-- embedded default is PGlite.

-- One row per job. tenant_id is NULL for system jobs (periodic ticks, the
-- outbox dispatcher). A worker claims a row by setting locked_by and a lease,
-- locked_until, that it renews while the handler runs; once a lease has run out
-- (the worker was killed) the row is claimable again. `attempts` counts claims,
-- so (id, locked_by, attempts) fences a worker that lost its lease from writing
-- the outcome. NULL max_attempts means the job type's default. last_error
-- holds our own error class, code and message only, never lead data.
CREATE TABLE jobs (
  id text PRIMARY KEY,
  tenant_id text REFERENCES tenants(id) ON DELETE CASCADE,
  type text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer CHECK (max_attempts >= 1),
  run_at timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  dedupe_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
-- A dedupe key is taken once per tenant (system jobs share the NULL tenant),
-- for good: periodic ticks use `schedule:<type>:<tick>` so each tick is
-- enqueued once however many replicas try.
CREATE UNIQUE INDEX jobs_dedupe_idx ON jobs (tenant_id, dedupe_key) NULLS NOT DISTINCT WHERE dedupe_key IS NOT NULL;
-- 'failed' = waiting for its retry at run_at; 'dead' = out of attempts.
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_tenant_idx ON jobs (tenant_id, created_at);

-- Domain events written in the same transaction as the change they describe.
-- dispatched_at is set once every consumer has the event (or gave up on it);
-- dispatch_after postpones an event while a consumer waits for a retry.
CREATE TABLE outbox_events (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  dispatch_after timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (dispatch_after) WHERE dispatched_at IS NULL;

-- Per consumer and event: the row commits in the consumer's delivery
-- transaction, so a consumer gets each event once.
CREATE TABLE outbox_deliveries (
  tenant_id text NOT NULL,
  event_id text NOT NULL,
  consumer text NOT NULL,
  state text NOT NULL CHECK (state IN ('delivered', 'retrying', 'dead')),
  attempts integer NOT NULL,
  next_attempt_at timestamptz,
  last_error text,
  delivered_at timestamptz,
  PRIMARY KEY (tenant_id, event_id, consumer),
  FOREIGN KEY (tenant_id, event_id) REFERENCES outbox_events (tenant_id, id) ON DELETE CASCADE
);
