-- The queue (queue.py): job_items moved from PENDING to RUNNING to DONE / FAILED / CANCELED,
-- and the counters of their jobs. Credits move through credits.sql.

-- name: insert_job
-- A new job, already paid for; its items are copied in after it. It takes the store's next job
-- number, which a rolled-back creation gives back: numbers run 1, 2, 3… per store without gaps.
-- $12: the job writes only empty fields, $13 of the products' fields were skipped for having a value;
-- $14 is a copy of the brand voice the job is written in (null: none); $15 who made it ('owner' or
-- 'automation').
-- params: $1 store_id, $2 source_scope, $3 source_ids, $4 attributes, $5 target_lang, $6 user_prompt, $7 credits_charged, $8 items_total, $9 economy, $10 query, $11 collection_names, $12 only_empty, $13 fields_skipped, $14 brand_voice, $15 origin
WITH numbered AS (
    UPDATE stores SET jobs_created = jobs_created + 1 WHERE id = $1 RETURNING jobs_created
)
INSERT INTO jobs (store_id, source_scope, source_ids, attributes, target_lang, user_prompt,
                  credits_charged, items_total, economy, number, query, collection_names, only_empty, fields_skipped,
                  brand_voice, origin)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, numbered.jobs_created, $10, $11, $12, $13, $14, $15
FROM numbered
RETURNING id, number

-- name: copy_cached_products
-- Job $1's products: those among $3 in store $2's products cache, their snapshots copied as the
-- cache holds them (written by Product.to_snapshot), none of them through the application.
-- Returns each product's values of the snapshot keys $4 (the fields the job writes), by the rule
-- of Product.value for text fields: the key's value, '' when the snapshot lacks the key.
-- params: $1 job_id, $2 store_id, $3 product_ids, $4 keys
INSERT INTO job_products (job_id, product_id, snapshot)
SELECT $1, c.product_id, c.snapshot FROM catalog_products c
WHERE c.store_id = $2 AND c.product_id = ANY($3::text[])
RETURNING product_id,
          ARRAY(SELECT CASE WHEN snapshot ? k.key THEN snapshot->>k.key ELSE '' END
                FROM unnest($4::text[]) WITH ORDINALITY AS k(key, n) ORDER BY k.n) AS "values"

-- name: wake_workers
-- Wake the workers listening on channel $1 (delivered when the transaction commits).
-- params: $1 channel
SELECT pg_notify($1, '')

-- name: claim
-- Lease up to $2 products to worker $1: every pending field of each, so one LLM call covers the
-- product. A product is taken through its head (its lowest pending item); a product whose head
-- another worker is claiming right now is skipped whole, so concurrent claims never split one.
-- Heads are found first without locks, in one ordered pass over the pending index (linear
-- whatever the statistics say), then locked by id: keeping joins out from under the
-- FOR UPDATE means a row another worker just took is rechecked alone, not by re-running the join.
-- Returns each item with the job's instructions, and for a field the owner asked to be written again
-- its note and the suggestion it replaces; the product snapshot comes once, on the product's
-- first item (as text: decoding the same JSON once per field was most of a claim's cost in Python),
-- and so do the job's brand voice (on the job's first item) and the store's glossary (on the
-- store's first item; none saved: the defaults). In id order, so a product's fields reach the
-- model in the order the job lists them. The scan starts at ($4 seq, $5 job_id), where the worker's
-- last claim found work (queue.QUEUE_START: from the start): next to a long transaction, the index keeps an
-- entry for every item claimed since it began, and a scan from the start walks them all.
-- params: $1 worker_id, $2 max_products, $3 lease_seconds, $4 from_seq, $5 from_job_id
WITH candidates AS (
    SELECT id FROM (
        SELECT DISTINCT ON (seq, job_id) id, run_after FROM job_items
        WHERE status = 'PENDING' AND NOT via_batch AND (seq, job_id) >= ($4::int, $5::bigint)
        ORDER BY seq, job_id, id) heads
    WHERE run_after <= now()
    LIMIT $2 * 2
), picked AS (
    SELECT id, job_id, seq FROM job_items
    WHERE id = ANY(ARRAY(SELECT id FROM candidates)) AND status = 'PENDING'
    ORDER BY seq, job_id, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), siblings AS (
    SELECT s.id FROM picked p
    CROSS JOIN LATERAL (
        SELECT id FROM job_items s
        WHERE s.job_id = p.job_id AND s.seq = p.seq AND s.status = 'PENDING' AND NOT s.via_batch AND s.id <> p.id
        FOR UPDATE SKIP LOCKED) s
), claimed AS (
    UPDATE job_items ji
    SET status = 'RUNNING', lease_owner = $1, lease_until = now() + make_interval(secs => $3),
        attempts = ji.attempts + 1, updated_at = now()
    WHERE ji.id = ANY(ARRAY(SELECT id FROM picked UNION ALL SELECT id FROM siblings))
    RETURNING ji.id, ji.job_id, ji.seq, ji.store_id, ji.product_id, ji.attribute, ji.attempts, ji.regenerations,
              ji.note, CASE WHEN ji.regenerations > 0 THEN ji.after_value END AS previous
)
SELECT c.id, c.job_id, c.seq, c.store_id, c.product_id, c.attribute, c.attempts, c.regenerations, c.note, c.previous,
       CASE WHEN c.id = min(c.id) OVER (PARTITION BY c.job_id, c.product_id) THEN
           (SELECT jp.snapshot::text FROM job_products jp WHERE jp.job_id = c.job_id AND jp.product_id = c.product_id)
       END AS snapshot,
       j.target_lang, j.user_prompt, st.settings::text AS settings,
       CASE WHEN c.id = min(c.id) OVER (PARTITION BY c.job_id) THEN j.brand_voice::text END AS brand_voice,
       CASE WHEN c.id = min(c.id) OVER (PARTITION BY c.store_id) THEN g.rules::text END AS glossary
FROM claimed c
JOIN jobs j ON j.id = c.job_id
JOIN stores st ON st.id = c.store_id
LEFT JOIN glossaries g ON g.store_id = c.store_id
ORDER BY c.id

-- name: analyze_sample
-- A large job changes job_items at once; fresh statistics keep the claim on its index from the
-- first claim instead of after the next autoanalyze. Row counts and the share of PENDING rows are
-- what the claim's plan needs: a sample of 3,000 rows (statistics target 10) gives them in a tenth
-- of the default's time, inside the enqueue.
-- params: none
SET LOCAL default_statistics_target = 10

-- name: analyze_queue
-- Refresh job_items' statistics (after analyze_sample, in the same transaction).
-- params: none
ANALYZE job_items

-- name: mark_jobs_running
-- Jobs whose first items were just claimed.
-- params: $1 job_ids
UPDATE jobs SET status = 'RUNNING', started_at = now()
WHERE id = ANY($1::bigint[]) AND status = 'PENDING'

-- name: save_results
-- Results ($2 ids, $3 values, $4 flags, $5 models, and what the call spent on each: $6 prompt
-- tokens, $7 completion tokens, $8 dollars; $9 whether the answer was "no change needed", which
-- keeps the value the item had before; $10 quality scores as JSON) for the items worker $1 still holds; items whose lease it
-- lost are left alone. Returns each saved item's job and spending (for add_job_usage), whether it
-- needed no change and whether it was a regeneration (for count_items_into_jobs).
-- params: $1 worker_id, $2 item_ids, $3 values, $4 flags, $5 models, $6 prompt_tokens, $7 completion_tokens, $8 costs, $9 no_change, $10 qualities
UPDATE job_items ji
SET status = 'DONE', after_value = CASE WHEN r.no_change THEN ji.before_value ELSE r.value END,
    review_state = CASE WHEN r.no_change THEN 'NO_CHANGE' ELSE 'NEW' END,
    flags = CASE WHEN r.no_change THEN '[]'::jsonb ELSE r.flags::jsonb END,
    quality = CASE WHEN r.no_change THEN NULL ELSE r.quality::jsonb END, error = NULL, reason = NULL,
    model = r.model, prompt_tokens = ji.prompt_tokens + r.pt, completion_tokens = ji.completion_tokens + r.ct,
    cost_usd = ji.cost_usd + r.cost, lease_owner = NULL, lease_until = NULL, updated_at = now()
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::numeric[], $9::bool[],
            $10::text[])
    AS r(id, value, flags, model, pt, ct, cost, no_change, quality)
WHERE ji.id = r.id AND ji.status = 'RUNNING' AND ji.lease_owner = $1
RETURNING ji.job_id, r.pt, r.ct, r.cost, r.no_change, ji.regenerations > 0 AS rerun

-- name: fail_or_retry_items
-- Items worker $1 still holds that failed ($3 ids, $4 reason codes, $5 errors, $6 delays, $7
-- permanent): back to PENDING after a delay, or FAILED when the failure is permanent or the item has
-- used its $2 attempts.
-- The tokens and dollars the failed call spent on each ($8, $9, $10) are added to the item. A failed
-- regeneration no longer shows the suggestion it was to replace.
-- params: $1 worker_id, $2 max_attempts, $3 item_ids, $4 reasons, $5 errors, $6 delays, $7 permanent, $8 prompt_tokens, $9 completion_tokens, $10 costs
UPDATE job_items ji
SET status = CASE WHEN f.permanent OR ji.attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END,
    after_value = CASE WHEN f.permanent OR ji.attempts >= $2 THEN NULL ELSE ji.after_value END,
    run_after = now() + make_interval(secs => f.delay),
    reason = f.reason, error = f.error, prompt_tokens = ji.prompt_tokens + f.pt,
    completion_tokens = ji.completion_tokens + f.ct, cost_usd = ji.cost_usd + f.cost,
    lease_owner = NULL, lease_until = NULL, updated_at = now()
FROM unnest($3::bigint[], $4::text[], $5::text[], $6::float8[], $7::bool[], $8::int[], $9::int[], $10::numeric[])
    AS f(id, reason, error, delay, permanent, pt, ct, cost)
WHERE ji.id = f.id AND ji.status = 'RUNNING' AND ji.lease_owner = $1
RETURNING ji.job_id, ji.store_id, ji.status, f.pt, f.ct, f.cost, ji.regenerations > 0 AS rerun

-- name: release_items
-- Give items back unprocessed (worker shutting down): the attempt does not count.
-- params: $1 worker_id, $2 item_ids
UPDATE job_items
SET status = 'PENDING', attempts = greatest(attempts - 1, 0), lease_owner = NULL,
    lease_until = NULL, run_after = now(), updated_at = now()
WHERE id = ANY($2::bigint[]) AND status = 'RUNNING' AND lease_owner = $1

-- name: recover_expired_leases
-- Items whose worker died or stalled, up to $2 of them: back to PENDING, or FAILED (reason $3)
-- when out of their $1 attempts.
-- params: $1 max_attempts, $2 limit, $3 reason
UPDATE job_items
SET status = CASE WHEN attempts >= $1 THEN 'FAILED' ELSE 'PENDING' END,
    error = CASE WHEN attempts >= $1 THEN 'The worker processing this item stopped responding.'
                 ELSE error END,
    reason = CASE WHEN attempts >= $1 THEN $3::text ELSE reason END,
    after_value = CASE WHEN attempts >= $1 THEN NULL ELSE after_value END,
    lease_owner = NULL, lease_until = NULL, run_after = now(), updated_at = now()
WHERE id IN (
    SELECT id FROM job_items
    WHERE status = 'RUNNING' AND lease_until < now()
    ORDER BY lease_until
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING job_id, store_id, status, regenerations > 0 AS rerun

-- name: lock_jobs
-- Lock jobs in id order before counting into them.
-- params: $1 job_ids
SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE

-- name: add_job_usage
-- Add what LLM calls spent on their items to the items' jobs (already locked in id order).
-- params: $1 job_ids, $2 prompt_tokens, $3 completion_tokens, $4 costs
UPDATE jobs j
SET prompt_tokens = j.prompt_tokens + u.pt, completion_tokens = j.completion_tokens + u.ct,
    cost_usd = j.cost_usd + u.cost
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::numeric[]) AS u(job_id, pt, ct, cost)
WHERE j.id = u.job_id

-- name: count_items_into_jobs
-- Add finished items to their jobs' counters (jobs already locked in id order by the caller) and,
-- once every item has finished, set the job's final status (job_status_after, a migration, mirrors
-- domain.jobs.finished_status; a canceled job stays canceled). Per job: $2 items done (those that
-- needed no change among them, $4), $3 failed. An item that failed ($5 of them) or needed no change
-- ($6) on its first run is refunded what it took off the cost of the job's remaining items
-- (items_cost, a migration: a credit, or half a credit in economy); a regeneration that failed ($7)
-- or needed no change ($8) gets back the credit it was charged. Returns each job's refunds, for
-- failures and for no change.
-- params: $1 job_ids, $2 done, $3 failed, $4 no_change, $5 released_failed, $6 released_no_change, $7 rerun_failed, $8 rerun_no_change
UPDATE jobs j
SET items_done = j.items_done + c.done,
    items_failed = j.items_failed + c.failed,
    items_no_change = j.items_no_change + c.no_change,
    items_released = j.items_released + c.released_failed + c.released_no_change,
    credits_refunded = j.credits_refunded
        + items_cost(j.economy, j.items_total - j.items_released)
        - items_cost(j.economy, j.items_total - j.items_released - c.released_failed - c.released_no_change)
        + c.rerun_failed + c.rerun_no_change,
    status = job_status_after(j.status, j.items_total, j.items_done + c.done, j.items_failed + c.failed,
                              j.items_canceled),
    finished_at = CASE
        WHEN j.items_done + c.done + j.items_failed + c.failed + j.items_canceled >= j.items_total
            THEN coalesce(j.finished_at, now())
        ELSE j.finished_at END
FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[])
    AS c(job_id, done, failed, no_change, released_failed, released_no_change, rerun_failed, rerun_no_change)
WHERE j.id = c.job_id
RETURNING j.id AS job_id, j.store_id,
    items_cost(j.economy, j.items_total - j.items_released + c.released_failed + c.released_no_change)
    - items_cost(j.economy, j.items_total - j.items_released + c.released_no_change)
    + c.rerun_failed AS refund_failed,
    items_cost(j.economy, j.items_total - j.items_released + c.released_no_change)
    - items_cost(j.economy, j.items_total - j.items_released)
    + c.rerun_no_change AS refund_no_change

-- name: complete_and_count
-- The common case in one statement (so one round trip and no explicit transaction): save results
-- that improve their fields for items worker $1 still holds (as save_results), then count them into
-- their jobs (as count_items_into_jobs; nothing to refund), locking the jobs in id order. Items
-- whose lease the worker lost are left alone. Returns one row per job with its count.
-- params: $1 worker_id, $2 item_ids, $3 values, $4 flags, $5 models, $6 prompt_tokens, $7 completion_tokens, $8 costs, $9 qualities
WITH done AS (
    UPDATE job_items ji
    SET status = 'DONE', after_value = r.value, review_state = 'NEW', flags = r.flags::jsonb,
        quality = r.quality::jsonb, error = NULL, reason = NULL, model = r.model, prompt_tokens = ji.prompt_tokens + r.pt, completion_tokens = ji.completion_tokens + r.ct,
        cost_usd = ji.cost_usd + r.cost, lease_owner = NULL, lease_until = NULL, updated_at = now()
    FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::numeric[], $9::text[])
        AS r(id, value, flags, model, pt, ct, cost, quality)
    WHERE ji.id = r.id AND ji.status = 'RUNNING' AND ji.lease_owner = $1
    RETURNING ji.job_id, r.pt, r.ct, r.cost
), c AS (
    SELECT job_id, count(*)::int AS done, 0 AS failed, sum(pt)::bigint AS pt, sum(ct)::bigint AS ct,
           sum(cost) AS cost
    FROM done GROUP BY job_id
), locked AS (
    SELECT id FROM jobs WHERE id IN (SELECT job_id FROM c) ORDER BY id FOR NO KEY UPDATE
)
UPDATE jobs j
SET items_done = j.items_done + c.done,
    items_failed = j.items_failed + c.failed,
    prompt_tokens = j.prompt_tokens + c.pt, completion_tokens = j.completion_tokens + c.ct,
    cost_usd = j.cost_usd + c.cost,
    status = job_status_after(j.status, j.items_total, j.items_done + c.done, j.items_failed + c.failed,
                              j.items_canceled),
    finished_at = CASE
        WHEN j.items_done + c.done + j.items_failed + c.failed + j.items_canceled >= j.items_total
            THEN coalesce(j.finished_at, now())
        ELSE j.finished_at END
FROM c
WHERE j.id = c.job_id AND j.id IN (SELECT id FROM locked)
RETURNING c.done

-- name: cancel_pending_items
-- Cancel job $1's items that no worker has taken yet; returns how many were on their first run and
-- how many were regenerations.
-- params: $1 job_id
WITH canceled AS (
    UPDATE job_items SET status = 'CANCELED', lease_owner = NULL, updated_at = now()
    WHERE job_id = $1 AND status = 'PENDING'
    RETURNING regenerations > 0 AS rerun
)
SELECT count(*) FILTER (WHERE NOT rerun)::int AS first, count(*) FILTER (WHERE rerun)::int AS reruns FROM canceled

-- name: cancel_job
-- Count canceled items into job $1 ($2 on their first run, $3 regenerations), which is canceled now
-- and finished once nothing runs; first runs are refunded what they took off the cost of the job's
-- remaining items (as count_items_into_jobs), regenerations the credit each was charged.
-- Returns the refund.
-- params: $1 job_id, $2 canceled, $3 rerun_canceled
UPDATE jobs
SET items_canceled = items_canceled + $2 + $3,
    items_released = items_released + $2,
    credits_refunded = credits_refunded
        + items_cost(economy, items_total - items_released)
        - items_cost(economy, items_total - items_released - $2) + $3,
    status = 'CANCELED', finished_at = CASE WHEN items_done + items_failed + items_canceled + $2 + $3 >= items_total
                                            THEN now() ELSE finished_at END
WHERE id = $1
RETURNING items_cost(economy, items_total - items_released + $2)
          - items_cost(economy, items_total - items_released) + $3 AS refund

-- name: job_for_store
-- Job $1 if store $2 owns it, locked.
-- params: $1 job_id, $2 store_id
SELECT id, status FROM jobs WHERE id = $1 AND store_id = $2 FOR NO KEY UPDATE

-- name: open_jobs_of_store
-- The jobs of store $1 still pending or running.
-- params: $1 store_id
SELECT id FROM jobs WHERE store_id = $1 AND status IN ('PENDING', 'RUNNING') ORDER BY id

-- name: queue_depth
-- Items waiting and in progress, for /metrics.
-- params: none
SELECT status, count(*) FROM job_items WHERE status IN ('PENDING', 'RUNNING') GROUP BY status

-- name: llm_usage_totals
-- What every job's LLM calls spent so far, for /metrics (one row per job: a small table).
-- params: none
SELECT coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
       coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
       coalesce(sum(cost_usd), 0)::float8 AS cost_usd
FROM jobs

-- name: lock_item_for_regeneration
-- Item $1 of store $2, locked while it is put back in the queue.
-- params: $1 item_id, $2 store_id
SELECT id, job_id, status, review_state, published_at, regenerations
FROM job_items WHERE id = $1 AND store_id = $2
FOR UPDATE

-- name: requeue_item
-- Item $1 back in the live queue to be written again, with the owner's note $2 (or none): a fresh
-- set of attempts, and seq -1, so its claim comes before every job's next product (the owner is
-- waiting for it). The suggestion it replaces stays in after_value until the new one is saved: the
-- model is shown it.
-- params: $1 item_id, $2 note
UPDATE job_items
SET status = 'PENDING', seq = -1, run_after = now(), attempts = 0, via_batch = false, note = $2,
    regenerations = regenerations + 1, review_state = 'NEW', edited = false, flags = '[]'::jsonb, quality = NULL,
    reason = NULL, error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = now()
WHERE id = $1

-- name: reopen_job
-- Job $1 takes back an item that had finished ($2 done, $3 of them with no change needed, or $4
-- failed) and was charged $5 more credits for it: it runs again until the item is settled (a
-- canceled job stays canceled).
-- params: $1 job_id, $2 done, $3 no_change, $4 failed, $5 credits
UPDATE jobs
SET items_done = items_done - $2, items_no_change = items_no_change - $3, items_failed = items_failed - $4,
    credits_charged = credits_charged + $5,
    status = job_status_after(status, items_total, items_done - $2, items_failed - $4, items_canceled),
    finished_at = NULL
WHERE id = $1
