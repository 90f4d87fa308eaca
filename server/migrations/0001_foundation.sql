CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- API keys are stored as SHA-256 hashes only. `lookup_id` (a prefix of the hash)
-- finds the row; the full hash is then compared in constant time. Secret keys
-- also keep a derived HMAC key that signs and verifies rep tokens.
CREATE TABLE api_keys (
  lookup_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('secret', 'publishable')),
  key_hash text NOT NULL,
  signing_key text,
  label text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);
