-- Stores (stores.py): installation, tokens, settings, plans' end dates, billing subscriptions,
-- webhook dedupe and erasure. Their credits move through credits.sql.

-- name: find_store
-- A store by its platform's id for it.
-- params: $1 platform, $2 external_id
SELECT * FROM stores WHERE platform = $1 AND external_id = $2

-- name: first_store_of_platform
-- The oldest installed store of a platform.
-- params: $1 platform
SELECT * FROM stores WHERE platform = $1 AND uninstalled_at IS NULL ORDER BY id LIMIT 1

-- name: get_store
-- A store by id.
-- params: $1 store_id
SELECT * FROM stores WHERE id = $1

-- name: insert_store
-- A new installation on plan $5 (the free plan), with no credits yet (credits.grant_first_month
-- gives them); nothing when the store already exists.
-- params: $1 platform, $2 external_id, $3 display_name, $4 credits_reset_on, $5 plan_id
INSERT INTO stores (platform, external_id, display_name, plan_id, credits_reset_on)
SELECT $1, $2, $3, p.id, $4 FROM plans p WHERE p.id = $5
ON CONFLICT (platform, external_id) DO NOTHING
RETURNING id

-- name: claim_free_grant
-- The first store of a site takes its free credits; a later one gets nothing back.
-- params: $1 platform, $2 site_key, $3 store_id
INSERT INTO free_grants (platform, site_key, store_id) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
RETURNING store_id

-- name: without_free_credits
-- A store whose site had its free credits already: none at the monthly reset on free either.
-- params: $1 store_id
UPDATE stores SET free_credits = false WHERE id = $1

-- name: reinstall_store
-- The history and the credit balance stay: reinstalling must not mint free credits.
-- params: $1 store_id
UPDATE stores SET uninstalled_at = NULL, installed_at = now(), needs_reauth = false
WHERE id = $1 AND uninstalled_at IS NOT NULL

-- name: new_session_version
-- Reinstalled or reconnected: the app sessions handed out before no longer open the store.
-- params: $1 store_id
UPDATE stores SET session_version = session_version + 1 WHERE id = $1

-- name: save_tokens
-- New platform tokens (encrypted); a missing refresh token keeps the one stored.
-- params: $1 store_id, $2 access_token_enc, $3 refresh_token_enc, $4 token_expires_at
UPDATE stores SET access_token_enc = $2, refresh_token_enc = coalesce($3, refresh_token_enc),
                  token_expires_at = $4, needs_reauth = false
WHERE id = $1

-- name: uninstall_store
-- The app was removed: tokens wiped, app sessions ended.
-- params: $1 store_id
UPDATE stores SET uninstalled_at = now(), access_token_enc = NULL, refresh_token_enc = NULL,
                  token_expires_at = NULL, session_version = session_version + 1
WHERE id = $1

-- name: name_store
-- Only a store without a name: a name the owner already sees is not replaced behind their back.
-- params: $1 store_id, $2 name
UPDATE stores SET display_name = $2 WHERE id = $1 AND display_name = ''

-- name: update_settings
-- Replace a store's settings.
-- params: $1 store_id, $2 settings
UPDATE stores SET settings = $2 WHERE id = $1 RETURNING settings

-- name: merge_site_facts
-- Merge what was learned of a store's site into what is known; returns the whole.
-- params: $1 store_id, $2 facts
UPDATE stores SET site_facts = site_facts || $2 WHERE id = $1 RETURNING site_facts

-- name: lock_store
-- A store, row-locked until the transaction ends.
-- params: $1 store_id
SELECT * FROM stores WHERE id = $1 FOR NO KEY UPDATE

-- name: mark_needs_reauth
-- The platform refused our refresh token: the owner must authorise the app again.
-- params: $1 store_id
UPDATE stores SET needs_reauth = true, access_token_enc = NULL WHERE id = $1

-- name: remember_catalog_version
-- The store catalog version the platform reported for the store (Wix: V1_CATALOG / V3_CATALOG).
-- params: $1 store_id, $2 catalog_version
UPDATE stores SET catalog_version = $2 WHERE id = $1

-- name: plan_ends
-- Auto-renewal cancelled: the plan stays until $2, then the monthly reset moves the store to free.
-- params: $1 store_id, $2 ends_on
UPDATE stores SET plan_ends_on = $2 WHERE id = $1

-- name: record_webhook
-- First delivery of an event id wins; a replay inserts nothing.
-- params: $1 platform, $2 event_id, $3 event_type, $4 store_id
INSERT INTO webhook_events (platform, event_id, event_type, store_id) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING event_id

-- name: sealed_tokens_page
-- The next stores after id $1 holding encrypted tokens (key rotation walks them in id order).
-- params: $1 after_id, $2 limit
SELECT id, access_token_enc, refresh_token_enc FROM stores
WHERE id > $1 AND (access_token_enc IS NOT NULL OR refresh_token_enc IS NOT NULL)
ORDER BY id
LIMIT $2

-- name: reseal_tokens
-- Only where the ciphertexts are still those that were read: a token refreshed meanwhile is newer
-- than the one re-encrypted, and must stay (the next rotation run re-encrypts it).
-- params: $1 store_ids, $2 old_access, $3 old_refresh, $4 access, $5 refresh
UPDATE stores s SET access_token_enc = u.access, refresh_token_enc = u.refresh
FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[])
     AS u(id, old_access, old_refresh, access, refresh)
WHERE s.id = u.id
  AND s.access_token_enc IS NOT DISTINCT FROM u.old_access
  AND s.refresh_token_enc IS NOT DISTINCT FROM u.old_refresh

-- name: remember_subscription
-- A billing subscription the app created for a store, with the plan it was created for.
-- params: $1 platform, $2 subscription_id, $3 store_id, $4 plan_id
INSERT INTO platform_subscriptions (platform, subscription_id, store_id, plan_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, subscription_id) DO NOTHING

-- name: subscription_owner
-- The store and plan of a subscription the app created.
-- params: $1 platform, $2 subscription_id
SELECT store_id, plan_id FROM platform_subscriptions WHERE platform = $1 AND subscription_id = $2

-- name: store_subscription
-- A subscription the app created for store $3: its plan and when it was created; no row for
-- another store's.
-- params: $1 platform, $2 subscription_id, $3 store_id
SELECT plan_id, created_at FROM platform_subscriptions
WHERE platform = $1 AND subscription_id = $2 AND store_id = $3

-- name: redact_store
-- Erase a store and everything it owns (jobs, items, snapshots, logs, ledger: ON DELETE CASCADE);
-- webhook_events keep only the event ids, their store_id set to NULL.
-- params: $1 store_id
DELETE FROM stores WHERE id = $1
