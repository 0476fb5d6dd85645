-- Publishing and reverting (publishing.py), with the log of what was replaced.

-- name: items_to_publish
-- The requested items of store $2, whatever their state.
-- params: $1 item_ids, $2 store_id
SELECT id, job_id, product_id, attribute, status, after_value, published_at, review_state, flags,
       (quality->>'score')::int AS score
FROM job_items WHERE id = ANY($1::bigint[]) AND store_id = $2

-- name: lock_unpublished_items
-- Items still to publish, with their job and what decides whether they may be (their review, read
-- again under the lock); rows another request is publishing or regenerating are skipped.
-- params: $1 item_ids, $2 store_id
SELECT id, job_id, attribute, after_value, review_state, flags, (quality->>'score')::int AS score FROM job_items
WHERE id = ANY($1::bigint[]) AND store_id = $2 AND status = 'DONE' AND published_at IS NULL
ORDER BY id
FOR UPDATE SKIP LOCKED

-- name: mark_published
-- Items now written to the store.
-- params: $1 item_ids
UPDATE job_items SET published_at = now(), review_state = 'PUBLISHED', updated_at = now()
WHERE id = ANY($1::bigint[])

-- name: insert_publish_logs
-- The product's title is the one its job showed the owner (as the job's items list it); the rows
-- keep the order they are given in, as their ids show; who published them: actor $7, user $8. Each
-- row names its item's job too, which outlives the item (retention.sql). Returns each new row's id
-- and item.
-- params: $1 store_id, $2 item_ids, $3 product_ids, $4 attributes, $5 old_values, $6 new_values, $7 actor_kind, $8 actor_user
INSERT INTO publish_logs
    (store_id, job_item_id, job_id, product_id, product_title, attribute, old_value, new_value, actor_kind, actor_user)
SELECT $1, l.item_id, ji.job_id, l.product_id, jp.snapshot->>'title', l.attribute, l.old_value, l.new_value, $7, $8
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
     AS l(item_id, product_id, attribute, old_value, new_value, n)
JOIN job_items ji ON ji.id = l.item_id
LEFT JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
ORDER BY l.n
RETURNING id, job_item_id

-- name: list_publish_logs
-- Store $1's publish log, newest first, before id $2.
-- params: $1 store_id, $2 before_id, $3 limit
SELECT id, job_item_id, product_id, product_title, attribute, old_value, new_value, published_at, reverted_at,
       actor_kind, actor_user, reverted_by_kind, reverted_by_user, restored_from
FROM publish_logs WHERE store_id = $1 AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC LIMIT $3

-- name: publish_logs_by_id
-- The log rows of store $2 among ids $1.
-- params: $1 log_ids, $2 store_id
SELECT * FROM publish_logs WHERE id = ANY($1::bigint[]) AND store_id = $2 ORDER BY id

-- name: live_publish_logs_of_job
-- The log rows of job $1's items (store $2) not reverted yet: what reverting the job undoes (also
-- once retention removed the items: the rows name their job).
-- params: $1 job_id, $2 store_id
SELECT * FROM publish_logs
WHERE job_id = $1 AND store_id = $2 AND reverted_at IS NULL
ORDER BY id

-- name: lock_publish_logs
-- Log rows of store $2, locked while they are reverted (a concurrent revert of the same rows waits,
-- then finds them reverted).
-- params: $1 log_ids, $2 store_id
SELECT * FROM publish_logs WHERE id = ANY($1::bigint[]) AND store_id = $2 ORDER BY id FOR UPDATE

-- name: mark_reverted
-- The log rows' old values are back in the store, written for actor $2 (user $3); returns the rows,
-- with the job each one's item belongs to.
-- params: $1 log_ids, $2 actor_kind, $3 actor_user
UPDATE publish_logs pl SET reverted_at = now(), reverted_by_kind = $2, reverted_by_user = $3
WHERE pl.id = ANY($1::bigint[])
RETURNING pl.*

-- name: unpublish_items
-- The items' values are no longer in the store.
-- params: $1 item_ids
UPDATE job_items SET published_at = NULL, review_state = 'REVERTED', updated_at = now()
WHERE id = ANY($1::bigint[])

-- name: job_of_store
-- Job $1 if store $2 owns it.
-- params: $1 job_id, $2 store_id
SELECT id FROM jobs WHERE id = $1 AND store_id = $2

-- name: field_history
-- Every log row of store $1's product $2, of field $3 (NULL: every field), with the job each came
-- from, in order.
-- params: $1 store_id, $2 product_id, $3 attribute
SELECT pl.*, j.number AS job_number
FROM publish_logs pl
LEFT JOIN jobs j ON j.id = pl.job_id
WHERE pl.store_id = $1 AND pl.product_id = $2 AND ($3::text IS NULL OR pl.attribute = $3)
ORDER BY pl.attribute, pl.id

-- name: lock_field_history
-- The log rows of store $1's product $2, field $3, locked while a version of the field is put
-- back (a concurrent one waits, then sees the row this one adds).
-- params: $1 store_id, $2 product_id, $3 attribute
SELECT pl.*, j.number AS job_number
FROM publish_logs pl
LEFT JOIN jobs j ON j.id = pl.job_id
WHERE pl.store_id = $1 AND pl.product_id = $2 AND pl.attribute = $3
ORDER BY pl.id
FOR UPDATE OF pl

-- name: insert_restored_log
-- A version put back from the field's history: the value it replaced ($5), the value written
-- ($6), who asked ($7, $8), and the row the version comes from ($9); returns the row.
-- params: $1 store_id, $2 product_id, $3 product_title, $4 attribute, $5 old_value, $6 new_value, $7 actor_kind, $8 actor_user, $9 restored_from
INSERT INTO publish_logs
    (store_id, product_id, product_title, attribute, old_value, new_value, actor_kind, actor_user, restored_from)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING *

-- name: product_known
-- Whether store $1 knows product $2: in its catalog index or its publish log.
-- params: $1 store_id, $2 product_id
SELECT EXISTS (SELECT 1 FROM catalog_products WHERE store_id = $1 AND product_id = $2)
    OR EXISTS (SELECT 1 FROM publish_logs WHERE store_id = $1 AND product_id = $2)
