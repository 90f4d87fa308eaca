-- Outbound webhooks (server/src/webhooks): subscriptions, the exact body sent
-- per event, one delivery per event and subscription, one row per attempt.

-- `secret` signs deliveries: a whsec_ secret for `standard`, the robot's own
-- signing secret (or NULL) for `dingtalk` / `feishu`, NULL for `wecom`. It
-- must be readable to sign, so it is stored as given and never returned after
-- creation. `events` holds exact types, prefixes (`lead.*`) or `*`.
CREATE TABLE webhook_subscriptions (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  url text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('standard', 'dingtalk', 'wecom', 'feishu')),
  events text[] NOT NULL,
  secret text,
  description text,
  disabled_at timestamptz,
  disabled_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

-- The body of an event as first sent, kept so that every retry and replay sends
-- the same bytes under the same webhook-id (the outbox event id) even after the
-- outbox has pruned the event.
CREATE TABLE webhook_messages (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  event_id text NOT NULL,
  type text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at);

-- One per event and subscription. `seq` numbers the attempts enqueued so far
-- (scheduled and replays); `scheduled_attempts` counts those of the retry
-- schedule, which decides the next wait. pending → delivered | dead |
-- cancelled (its subscription was disabled).
CREATE TABLE webhook_deliveries (
  tenant_id text NOT NULL,
  id text NOT NULL,
  subscription_id text NOT NULL,
  event_id text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
  seq integer NOT NULL DEFAULT 1,
  scheduled_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, subscription_id, event_id),
  FOREIGN KEY (tenant_id, subscription_id) REFERENCES webhook_subscriptions (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, event_id) REFERENCES webhook_messages (tenant_id, event_id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (tenant_id, subscription_id, created_at DESC, id DESC);

-- The delivery log: status, duration and error class per attempt, and at most
-- a short excerpt of the answer; never the payload or a secret.
CREATE TABLE webhook_attempts (
  tenant_id text NOT NULL,
  delivery_id text NOT NULL,
  attempt integer NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'replay')),
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed')),
  error text,
  response_excerpt text,
  next_attempt_at timestamptz,
  PRIMARY KEY (tenant_id, delivery_id, attempt),
  FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
