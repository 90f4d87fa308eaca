-- Behaviour events partitioned by month of occurred_at, so retention drops a
-- whole month at once instead of deleting rows one by one, and queries over a
-- time range touch only its months.
--
-- A partitioned table's primary key must include the partition key, so the
-- key (tenant_id, message_id) can no longer be unique by itself there. The
-- de-duplication by messageId moves to event_message_ids, an unpartitioned
-- ledger written in the same statement as the event: a re-sent messageId is a
-- no-op even when the retry's clock correction gives it another occurred_at.
--
-- Month partitions (events_pYYYYMM) are created by the server at start-up and
-- by the events.partitions job (this month and the next ones); anything
-- outside them lands in events_default, so no event is ever refused for its
-- date. Existing rows move to events_default here; the month partitions the
-- server creates take their rows out of it.

ALTER TABLE events RENAME TO events_unpartitioned;
ALTER INDEX events_lead_idx RENAME TO events_unpartitioned_lead_idx;
ALTER INDEX events_anonymous_idx RENAME TO events_unpartitioned_anonymous_idx;
ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;

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
  PRIMARY KEY (tenant_id, message_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_lead_idx ON events (tenant_id, lead_id, occurred_at) WHERE lead_id IS NOT NULL;
CREATE INDEX events_anonymous_idx ON events (tenant_id, anonymous_id, occurred_at) WHERE anonymous_id IS NOT NULL;

-- One row per stored messageId; occurred_at lets retention prune it with its event.
CREATE TABLE event_message_ids (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  message_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX event_message_ids_occurred_idx ON event_message_ids (occurred_at);

INSERT INTO events (tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at, received_at)
  SELECT tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at, received_at FROM events_unpartitioned;
INSERT INTO event_message_ids (tenant_id, message_id, occurred_at)
  SELECT tenant_id, message_id, occurred_at FROM events_unpartitioned;
DROP TABLE events_unpartitioned;
