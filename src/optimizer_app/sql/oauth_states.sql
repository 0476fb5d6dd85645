-- Single use of OAuth state nonces (oauth_states.py).

-- name: forget_expired
-- Nonces whose state can no longer be presented anyway.
-- params: none
DELETE FROM oauth_states WHERE expires_at < now()

-- name: spend_state
-- Spend nonce $1 of platform $2, kept for $3; no row when it was spent before.
-- params: $1 nonce, $2 platform, $3 valid_for
INSERT INTO oauth_states (nonce, platform, expires_at) VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (nonce) DO NOTHING
RETURNING nonce
