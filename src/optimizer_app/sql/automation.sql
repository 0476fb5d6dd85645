-- Automation (automation.py): product changes reported by platform webhooks, the owner's rules
-- and the worker's automation step. Always scoped to one store.

-- name: note_change
-- Record that store $1's products $2 were created ($3) or changed, by the platform event $4; a
-- product already waiting keeps its place and due time (a burst of saves is one change). Due
-- $5 seconds after the first delivery.
-- params: $1 store_id, $2 product_ids, $3 created, $4 source, $5 settle_seconds
INSERT INTO automation_changes AS c (store_id, product_id, created, source, due_at)
SELECT $1, p, $3, $4, now() + make_interval(secs => $5)
FROM unnest($2::text[]) AS p
ON CONFLICT (store_id, product_id) DO UPDATE
SET changes = c.changes + 1, created = c.created OR EXCLUDED.created, last_seen_at = now()

-- name: wake_automation
-- Tell listening workers that product changes arrived.
-- params: none
SELECT pg_notify('optimizer_automation', '')
