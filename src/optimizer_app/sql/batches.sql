-- Economy items through the LLM's Batch API (batches.py): llm_batches, and the job_items that went
-- into each (batch_id, and lease_owner 'batch:<id>' while the batch holds them).

-- name: new_batch
-- A batch about to be submitted.
-- params: none
INSERT INTO llm_batches DEFAULT VALUES RETURNING id

-- name: claim_for_batch
-- Lease up to $2 pending economy items, every pending field of each product taken whole, to batch
-- $4 under owner $1 for $3 seconds (the submission; submitted batches extend it).
-- params: $1 owner, $2 max_items, $3 lease_seconds, $4 batch_id
WITH heads AS (
    SELECT DISTINCT job_id, seq FROM (
        SELECT job_id, seq FROM job_items
        WHERE status = 'PENDING' AND via_batch AND run_after <= now()
        ORDER BY job_id, seq, id
        LIMIT $2) first_items
), picked AS (
    SELECT ji.id FROM job_items ji JOIN heads h ON ji.job_id = h.job_id AND ji.seq = h.seq
    WHERE ji.status = 'PENDING' AND ji.via_batch
    FOR UPDATE OF ji SKIP LOCKED
)
UPDATE job_items ji
SET status = 'RUNNING', lease_owner = $1, lease_until = now() + make_interval(secs => $3),
    attempts = ji.attempts + 1, batch_id = $4, updated_at = now()
WHERE ji.id IN (SELECT id FROM picked)

-- name: held_items
-- The items batch owner $1 still holds, shaped as queue.sql's claim returns them (the snapshot on
-- each product's first item, the voice on each job's, the glossary on each store's), in id order.
-- params: $1 owner
SELECT ji.id, ji.job_id, ji.seq, ji.store_id, ji.product_id, ji.attribute, ji.attempts, ji.regenerations, ji.note,
       CASE WHEN ji.regenerations > 0 THEN ji.after_value END AS previous,
       CASE WHEN ji.id = min(ji.id) OVER (PARTITION BY ji.job_id, ji.product_id) THEN
           (SELECT jp.snapshot::text FROM job_products jp WHERE jp.job_id = ji.job_id AND jp.product_id = ji.product_id)
       END AS snapshot,
       j.target_lang, j.user_prompt, st.settings::text AS settings,
       CASE WHEN ji.id = min(ji.id) OVER (PARTITION BY ji.job_id) THEN j.brand_voice::text END AS brand_voice,
       CASE WHEN ji.id = min(ji.id) OVER (PARTITION BY ji.store_id) THEN g.rules::text END AS glossary
FROM job_items ji
JOIN jobs j ON j.id = ji.job_id
JOIN stores st ON st.id = ji.store_id
LEFT JOIN glossaries g ON g.store_id = ji.store_id
WHERE ji.lease_owner = $1 AND ji.status = 'RUNNING'
ORDER BY ji.id

-- name: drop_batch
-- A batch that took no items.
-- params: $1 batch_id
DELETE FROM llm_batches WHERE id = $1

-- name: batch_submitted
-- The provider accepted batch $1 as $2 (status $3, $4 items); its items ($5 owner) are held for
-- $6 seconds: its 24 h window and time to read the answers.
-- params: $1 batch_id, $2 remote_id, $3 status, $4 items, $5 owner, $6 lease_seconds
WITH held AS (
    UPDATE job_items SET lease_until = now() + make_interval(secs => $6)
    WHERE lease_owner = $5 AND status = 'RUNNING'
)
UPDATE llm_batches
SET remote_id = $2, status = $3, items = $4, submitted_at = now(), next_poll_at = now()
WHERE id = $1

-- name: due_batches
-- Up to $2 submitted batches due for a poll, each taken by one worker: its next poll moves $1
-- seconds on.
-- params: $1 poll_seconds, $2 limit
UPDATE llm_batches SET next_poll_at = now() + make_interval(secs => $1)
WHERE id IN (
    SELECT id FROM llm_batches
    WHERE settled_at IS NULL AND remote_id IS NOT NULL AND next_poll_at <= now()
    ORDER BY next_poll_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id, remote_id

-- name: batch_status
-- What the provider last said of batch $1.
-- params: $1 batch_id, $2 status, $3 output_file_id, $4 error_file_id
UPDATE llm_batches SET status = $2, output_file_id = $3, error_file_id = $4 WHERE id = $1

-- name: batch_settled
-- Batch $1's answers are settled.
-- params: $1 batch_id
UPDATE llm_batches SET settled_at = now() WHERE id = $1

-- name: abandon_submissions
-- Submissions begun over $1 seconds ago that never finished: their items' leases have returned
-- them to the queue.
-- params: $1 seconds
UPDATE llm_batches SET status = 'abandoned', settled_at = now()
WHERE settled_at IS NULL AND remote_id IS NULL AND created_at < now() - make_interval(secs => $1)

-- name: batch_items_to_live_queue
-- With an LLM that has no Batch API, economy items wait in the live queue like any other.
-- params: none
UPDATE job_items SET via_batch = false WHERE status = 'PENDING' AND via_batch
