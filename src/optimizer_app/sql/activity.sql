-- The audit trail (activity.py), always scoped to one store.

-- name: record
-- Append one action to store $1's trail.
-- params: $1 store_id, $2 actor_kind, $3 actor_user, $4 action, $5 job_id, $6 publish_log_id, $7 product_id, $8 detail
INSERT INTO activity (store_id, actor_kind, actor_user, action, job_id, publish_log_id, product_id, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
RETURNING id

-- name: record_many
-- Append one action per element of the arrays to store $1's trail, in their order (their ids
-- follow it), in one statement.
-- params: $1 store_id, $2 actor_kind, $3 actor_user, $4 action, $5 job_ids, $6 publish_log_ids, $7 product_ids, $8 details
INSERT INTO activity (store_id, actor_kind, actor_user, action, job_id, publish_log_id, product_id, detail)
SELECT $1, $2, $3, $4, e.job_id, e.publish_log_id, e.product_id, e.detail::jsonb
FROM unnest($5::bigint[], $6::bigint[], $7::text[], $8::text[]) WITH ORDINALITY
     AS e(job_id, publish_log_id, product_id, detail, n)
ORDER BY e.n

-- name: list
-- Store $1's trail, newest first, of actor kind $2 (NULL: every actor), older than id $3 (NULL:
-- from the newest), at most $4 entries; with the publish log entry each one is about (what it
-- wrote, whether reverted since), its job's number, and for a job entry of automation whether
-- anything of that job is still in the store.
-- params: $1 store_id, $2 actor_kind, $3 before_id, $4 limit
SELECT a.id, a.at, a.actor_kind, a.actor_user, a.action, a.job_id, a.publish_log_id, a.product_id, a.detail,
       j.number AS job_number,
       pl.id AS log_id, pl.product_title, pl.attribute, pl.old_value, pl.new_value, pl.reverted_at AS log_reverted_at,
       a.actor_kind = 'automation' AND a.action IN ('job_created', 'products_queued') AND a.job_id IS NOT NULL
       AND EXISTS (
           SELECT 1 FROM publish_logs live
           WHERE live.job_id = a.job_id AND live.store_id = $1 AND live.reverted_at IS NULL
       ) AS job_live
FROM activity a
LEFT JOIN jobs j ON j.id = a.job_id AND j.store_id = $1
LEFT JOIN publish_logs pl ON pl.id = a.publish_log_id AND pl.store_id = $1
WHERE a.store_id = $1 AND ($2::text IS NULL OR a.actor_kind = $2) AND ($3::bigint IS NULL OR a.id < $3)
ORDER BY a.id DESC
LIMIT $4
