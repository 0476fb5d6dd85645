-- The audit trail (activity.py), always scoped to one store.

-- name: record
-- Append one action to store $1's trail.
-- params: $1 store_id, $2 actor_kind, $3 actor_user, $4 action, $5 job_id, $6 publish_log_id, $7 product_id, $8 detail
INSERT INTO activity (store_id, actor_kind, actor_user, action, job_id, publish_log_id, product_id, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
RETURNING id
