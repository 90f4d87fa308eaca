-- Rep tokens move from HS256 to EdDSA (Ed25519). The key pair is derived from
-- the secret key (seed = HMAC-SHA256(secret key, 'huashu rep-token v2')), so
-- whoever holds the secret key can sign and the database keeps only the
-- public half: a leaked api_keys table can no longer mint rep tokens.
ALTER TABLE api_keys ADD COLUMN rep_token_public_key text;

-- The old column held the HS256 key itself, in plain text: it goes. The public
-- key cannot be backfilled here (only hashes of secret keys are stored); a
-- secret key issued before this migration gets its public key the next time
-- it authenticates a request (or when HUASHU_SECRET_KEY pins it at start), and
-- until then rep tokens signed with it are refused with a message saying so.
ALTER TABLE api_keys DROP COLUMN signing_key;

-- Browser origins allowed to call a tenant's publishable-key and rep-token
-- routes (exact origins, or https://*.example.com for subdomains). NULL: any.
ALTER TABLE tenants ADD COLUMN allowed_origins text[];
