-- Jobs as the API shows them (jobs.py), always scoped to one store, and review edits.

-- name: list_jobs
-- Store $1's jobs, newest first, optionally of status $2 and before id $3; each with the id and
-- name of the brand voice it was written in (null: none).
-- params: $1 store_id, $2 status, $3 before_id, $4 limit
SELECT id, number, status, source_scope, source_ids, query, collection_names, attributes, target_lang, user_prompt,
       economy, only_empty, fields_skipped, credits_charged, credits_refunded, items_total, items_done, items_failed,
       items_canceled, created_at, started_at, finished_at, prompt_tokens, completion_tokens, cost_usd, now() AS now,
       origin,
       CASE WHEN brand_voice IS NOT NULL
            THEN jsonb_build_object('id', brand_voice -> 'id', 'name', brand_voice -> 'name') END AS brand_voice
FROM jobs
WHERE store_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC LIMIT $4

-- name: get_job
-- One job of store $2.
-- params: $1 job_id, $2 store_id
SELECT id, number, status, source_scope, source_ids, query, collection_names, attributes, target_lang, user_prompt,
       economy, only_empty, fields_skipped, credits_charged, credits_refunded, items_total, items_done, items_failed,
       items_canceled, created_at, started_at, finished_at, prompt_tokens, completion_tokens, cost_usd, now() AS now,
       origin,
       CASE WHEN brand_voice IS NOT NULL
            THEN jsonb_build_object('id', brand_voice -> 'id', 'name', brand_voice -> 'name') END AS brand_voice
FROM jobs WHERE id = $1 AND store_id = $2

-- name: list_items
-- A job's items with their product's title, page and image (and, for image alt text, its images),
-- in id order after id $4, optionally
-- of status $3, of the review states $5 and of the fields $6 (NULL: any). The review states
-- (domain.jobs.ITEM_FILTERS): ready, an improved value nobody has decided on and nothing flagged;
-- flagged, an improved value that states facts the product data does not (until decided on);
-- accepted, edited, rejected, no_change (the model found nothing to improve), published and
-- reverted, as their review_state; refused, the items that failed. $8 / $9: only items whose
-- quality score is at least / at most that (items without a score are left out then). Paged
-- through job_items_job_order, which stops at a full page.
-- params: $1 job_id, $2 store_id, $3 status, $4 after_id, $5 limit, $6 states, $7 attributes, $8 min_score, $9 max_score
SELECT ji.id, ji.product_id, ji.attribute, ji.status, ji.attempts, ji.before_value, ji.after_value,
       ji.flags, ji.reason, ji.error, ji.review_state, ji.published_at, ji.updated_at, ji.model,
       ji.prompt_tokens, ji.completion_tokens, ji.cost_usd, ji.note, ji.regenerations, ji.quality,
       jp.snapshot->>'title' AS product_title, jp.snapshot->>'url' AS product_url,
       jp.snapshot->>'image_url' AS product_image_url,
       CASE WHEN ji.attribute = 'image_alt' THEN jp.snapshot->'images' END AS product_images
FROM job_items ji
JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
WHERE ji.job_id = $1 AND ji.store_id = $2 AND ($3::text IS NULL OR ji.status = $3) AND ji.id > $4
  AND ($7::text[] IS NULL OR ji.attribute = ANY($7::text[]))
  AND ($8::int IS NULL OR (ji.quality->>'score')::int >= $8)
  AND ($9::int IS NULL OR (ji.quality->>'score')::int <= $9)
  AND ($6::text[] IS NULL
       OR ('ready' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'NEW' AND ji.flags = '[]'::jsonb)
       OR ('flagged' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state IN ('NEW', 'ACCEPTED')
           AND ji.flags <> '[]'::jsonb)
       OR ('accepted' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'ACCEPTED')
       OR ('edited' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'EDITED')
       OR ('rejected' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'REJECTED')
       OR ('no_change' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'NO_CHANGE')
       OR ('published' = ANY($6::text[]) AND ji.review_state = 'PUBLISHED')
       OR ('reverted' = ANY($6::text[]) AND ji.status = 'DONE' AND ji.review_state = 'REVERTED')
       OR ('refused' = ANY($6::text[]) AND ji.status = 'FAILED'))
ORDER BY ji.id LIMIT $5

-- name: review_counts
-- How many items of jobs $1 are in each review state that counts apart: no change needed,
-- rejected by the owner, published.
-- params: $1 job_ids
SELECT job_id, review_state, count(*) AS n
FROM job_items
WHERE job_id = ANY($1::bigint[]) AND review_state IN ('NO_CHANGE', 'REJECTED', 'PUBLISHED')
GROUP BY job_id, review_state

-- name: recent_finishing_rate
-- Items a second the workers finished lately: over live-path jobs running now or finished in the
-- last 15 minutes, their finished items over the time each has run.
-- params: none
SELECT sum(items_done + items_failed)::float8
       / nullif(sum(extract(epoch FROM coalesce(finished_at, now()) - started_at)), 0) AS rate
FROM (
    SELECT items_done, items_failed, started_at, finished_at FROM jobs
    WHERE finished_at IS NULL AND started_at IS NOT NULL AND NOT economy
    UNION ALL
    SELECT items_done, items_failed, started_at, finished_at FROM jobs
    WHERE finished_at > now() - interval '15 minutes' AND started_at IS NOT NULL AND NOT economy
) recent
-- name: get_item
-- One item of store $2, shaped as list_items returns them.
-- params: $1 item_id, $2 store_id
SELECT ji.id, ji.product_id, ji.attribute, ji.status, ji.attempts, ji.before_value, ji.after_value,
       ji.flags, ji.reason, ji.error, ji.review_state, ji.published_at, ji.updated_at, ji.model,
       ji.prompt_tokens, ji.completion_tokens, ji.cost_usd, ji.note, ji.regenerations, ji.quality,
       jp.snapshot->>'title' AS product_title, jp.snapshot->>'url' AS product_url,
       jp.snapshot->>'image_url' AS product_image_url,
       CASE WHEN ji.attribute = 'image_alt' THEN jp.snapshot->'images' END AS product_images
FROM job_items ji
JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
WHERE ji.id = $1 AND ji.store_id = $2

-- name: edit_item
-- The owner's own value for an improved item not published yet, with its quality score $4 (JSON).
-- The owner's words are theirs: nothing in them is flagged.
-- params: $1 item_id, $2 store_id, $3 value, $4 quality
UPDATE job_items
SET after_value = $3, review_state = 'EDITED', edited = true, flags = '[]'::jsonb, quality = $4::jsonb,
    updated_at = now()
WHERE id = $1 AND store_id = $2 AND status = 'DONE' AND published_at IS NULL
RETURNING id

-- name: item_state
-- What decides whether an item may be edited or reviewed, and what its quality score is measured
-- against: the product's name and the job's language.
-- params: $1 item_id, $2 store_id
SELECT ji.status, ji.published_at, ji.attribute, ji.before_value, ji.review_state,
       jp.snapshot->>'title' AS product_title, j.target_lang
FROM job_items ji
JOIN jobs j ON j.id = ji.job_id
JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
WHERE ji.id = $1 AND ji.store_id = $2

-- name: review_item
-- The owner's decision on an improved item not published yet: $3 'ACCEPTED' or 'REJECTED', or
-- NULL to take a decision back (to EDITED when the value is the owner's own, else NEW). An item
-- that needed no change has nothing to decide. No row: the item is not in a state to review.
-- params: $1 item_id, $2 store_id, $3 review_state
UPDATE job_items
SET review_state = coalesce($3::text, CASE WHEN edited THEN 'EDITED' ELSE 'NEW' END), updated_at = now()
WHERE id = $1 AND store_id = $2 AND status = 'DONE' AND published_at IS NULL AND review_state <> 'NO_CHANGE'
RETURNING id
