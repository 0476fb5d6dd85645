-- Jobs as the API shows them (jobs.py), always scoped to one store, and review edits.

-- name: list_jobs
-- Store $1's jobs, newest first, optionally of status $2 and before id $3; each with the id and
-- name of the brand voice it was written in (null: none).
-- params: $1 store_id, $2 status, $3 before_id, $4 limit
SELECT id, status, source_scope, source_ids, attributes, target_lang, user_prompt, economy, credits_charged,
       credits_refunded, items_total, items_done, items_failed, items_canceled, created_at, started_at,
       finished_at, prompt_tokens, completion_tokens, cost_usd,
       CASE WHEN brand_voice IS NOT NULL
            THEN jsonb_build_object('id', brand_voice -> 'id', 'name', brand_voice -> 'name') END AS brand_voice
FROM jobs
WHERE store_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC LIMIT $4

-- name: get_job
-- One job of store $2.
-- params: $1 job_id, $2 store_id
SELECT id, status, source_scope, source_ids, attributes, target_lang, user_prompt, economy, credits_charged,
       credits_refunded, items_total, items_done, items_failed, items_canceled, created_at, started_at,
       finished_at, prompt_tokens, completion_tokens, cost_usd,
       CASE WHEN brand_voice IS NOT NULL
            THEN jsonb_build_object('id', brand_voice -> 'id', 'name', brand_voice -> 'name') END AS brand_voice
FROM jobs WHERE id = $1 AND store_id = $2

-- name: list_items
-- A job's items with their product's title, in id order after id $4, optionally of status $3.
-- params: $1 job_id, $2 store_id, $3 status, $4 after_id, $5 limit
SELECT ji.id, ji.product_id, ji.attribute, ji.status, ji.attempts, ji.before_value, ji.after_value,
       ji.flags, ji.reason, ji.error, ji.review_state, ji.published_at, ji.updated_at, ji.model,
       ji.prompt_tokens, ji.completion_tokens, ji.cost_usd,
       jp.snapshot->>'title' AS product_title
FROM job_items ji
JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
WHERE ji.job_id = $1 AND ji.store_id = $2 AND ($3::text IS NULL OR ji.status = $3) AND ji.id > $4
ORDER BY ji.id LIMIT $5

-- name: edit_item
-- The owner's own value for an improved item not published yet.
-- params: $1 item_id, $2 store_id, $3 value
UPDATE job_items SET after_value = $3, review_state = 'EDITED', flags = '[]'::jsonb, updated_at = now()
WHERE id = $1 AND store_id = $2 AND status = 'DONE' AND published_at IS NULL
RETURNING id

-- name: item_state
-- What decides whether an item may be edited.
-- params: $1 item_id, $2 store_id
SELECT status, published_at, attribute, before_value FROM job_items WHERE id = $1 AND store_id = $2
