-- Automation (automation.py): product changes reported by platform webhooks, the owner's rules
-- and the worker's automation step. Always scoped to one store.

-- name: note_change
-- Record that store $1's products $2 were created ($3) or changed, by the platform event $4; a
-- product already waiting keeps its place and due time (a burst of saves is one change). Due
-- $5 seconds after the first delivery. A row kept for its cooldown (changes 0: its deliveries
-- were told already) takes the new delivery's event type.
-- params: $1 store_id, $2 product_ids, $3 created, $4 source, $5 settle_seconds
INSERT INTO automation_changes AS c (store_id, product_id, created, source, due_at)
SELECT $1, p, $3, $4, now() + make_interval(secs => $5)
FROM unnest($2::text[]) AS p
ON CONFLICT (store_id, product_id) DO UPDATE
SET changes = c.changes + 1, created = c.created OR EXCLUDED.created, last_seen_at = now(),
    source = CASE WHEN c.changes = 0 THEN EXCLUDED.source ELSE c.source END

-- name: wake_automation
-- Tell listening workers that product changes arrived.
-- params: none
SELECT pg_notify('optimizer_automation', '')

-- name: get_rules
-- Store $1's automation rules; no row: automation was never set (off).
-- params: $1 store_id
SELECT mode, paused, attributes, language, voice_id, only_empty, min_score, monthly_credit_cap, credits_used,
       period_resets_on, cap_reached_for, sweep, next_sweep_at, last_sweep_at, updated_at
FROM automation_rules WHERE store_id = $1

-- name: ensure_rules
-- Store $1's automation rules as they start (off, fields $2, cap $3), when it has none yet.
-- params: $1 store_id, $2 attributes, $3 monthly_credit_cap
INSERT INTO automation_rules (store_id, attributes, monthly_credit_cap) VALUES ($1, $2, $3)
ON CONFLICT (store_id) DO NOTHING

-- name: rules_for_update
-- Store $1's automation rules, row-locked until the transaction ends.
-- params: $1 store_id
SELECT mode, paused, attributes, language, voice_id, only_empty, min_score, monthly_credit_cap, credits_used,
       period_resets_on, cap_reached_for, sweep, next_sweep_at, last_sweep_at, updated_at
FROM automation_rules WHERE store_id = $1 FOR NO KEY UPDATE

-- name: save_rules
-- The owner's rules of store $1, as changed.
-- params: $1 store_id, $2 mode, $3 paused, $4 attributes, $5 language, $6 voice_id, $7 only_empty, $8 min_score, $9 monthly_credit_cap, $10 sweep, $11 next_sweep_at
UPDATE automation_rules
SET mode = $2, paused = $3, attributes = $4, language = $5, voice_id = $6, only_empty = $7, min_score = $8,
    monthly_credit_cap = $9, sweep = $10, next_sweep_at = $11, updated_at = now()
WHERE store_id = $1
RETURNING updated_at

-- name: voice_of_store
-- Whether brand voice $1 is store $2's.
-- params: $1 voice_id, $2 store_id
SELECT EXISTS (SELECT 1 FROM brand_voices WHERE id = $1 AND store_id = $2)

-- name: stores_with_due_changes
-- Up to $1 stores with product changes the worker may take now.
-- params: $1 limit
SELECT DISTINCT store_id FROM automation_changes WHERE due_at <= now() LIMIT $1

-- name: seconds_to_next_change
-- Seconds until the earliest product change of any store is due (negative: due already); NULL: none.
-- params: none
SELECT extract(epoch FROM min(due_at) - now()) FROM automation_changes

-- name: take_due_changes
-- Up to $2 of store $1's product changes that are due, locked for this transaction; rows another
-- worker holds are skipped, so any number of workers share them.
-- params: $1 store_id, $2 limit
SELECT product_id, created, source, changes FROM automation_changes
WHERE store_id = $1 AND due_at <= now()
ORDER BY due_at, product_id
LIMIT $2
FOR UPDATE SKIP LOCKED

-- name: forget_changes
-- The worker decided on store $1's changed products $2.
-- params: $1 store_id, $2 product_ids
DELETE FROM automation_changes WHERE store_id = $1 AND product_id = ANY($2::text[])

-- name: postpone_changes
-- Store $1's changed products $2 are taken again at the times $3 (the store could not be read:
-- nothing of them was decided or recorded).
-- params: $1 store_id, $2 product_ids, $3 due_at
UPDATE automation_changes c SET due_at = p.due_at
FROM unnest($2::text[], $3::timestamptz[]) AS p(product_id, due_at)
WHERE c.store_id = $1 AND c.product_id = p.product_id

-- name: cool_down_changes
-- Store $1's changed products $2, recorded on the trail, are taken again at the times $3 (their
-- cooldown's end); the deliveries counted so far are told, so the count starts again from 0.
-- params: $1 store_id, $2 product_ids, $3 due_at
UPDATE automation_changes c SET due_at = p.due_at, changes = 0, created = false
FROM unnest($2::text[], $3::timestamptz[]) AS p(product_id, due_at)
WHERE c.store_id = $1 AND c.product_id = p.product_id

-- name: products_written
-- Which of store $1's products $2 the app has written (a publish-log entry of any field).
-- params: $1 store_id, $2 product_ids
SELECT DISTINCT product_id FROM publish_logs WHERE store_id = $1 AND product_id = ANY($2::text[])

-- name: product_facts
-- For each of store $1's products $2, over the fields $3: the value the app last wrote per field
-- (a publish, or the value a revert wrote back), the product as the job of the newest of those
-- writes read it, whether an automation job has it in flight or a draft of it nobody decided on,
-- and what automation last queued of it.
-- params: $1 store_id, $2 product_ids, $3 attributes
SELECT p.product_id,
       (SELECT jsonb_object_agg(w.attribute, w.value) FROM (
            SELECT DISTINCT ON (pl.attribute) pl.attribute,
                   CASE WHEN pl.reverted_at IS NOT NULL THEN pl.old_value ELSE pl.new_value END AS value
            FROM publish_logs pl
            WHERE pl.store_id = $1 AND pl.product_id = p.product_id AND pl.attribute = ANY($3::text[])
            ORDER BY pl.attribute, greatest(pl.published_at, pl.reverted_at) DESC, pl.id DESC
       ) w) AS last_written,
       (SELECT jp.snapshot FROM publish_logs pl
        JOIN job_items ji ON ji.id = pl.job_item_id
        JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = pl.product_id
        WHERE pl.store_id = $1 AND pl.product_id = p.product_id
        ORDER BY pl.id DESC LIMIT 1) AS baseline,
       EXISTS (
            SELECT 1 FROM jobs j JOIN job_items ji ON ji.job_id = j.id
            WHERE j.store_id = $1 AND j.origin = 'automation' AND ji.product_id = p.product_id
              AND (ji.status IN ('PENDING', 'RUNNING')
                   OR (ji.status = 'DONE' AND ji.review_state = 'NEW' AND ji.published_at IS NULL))
       ) AS waiting,
       ap.fingerprint, ap.last_queued_at
FROM unnest($2::text[]) AS p(product_id)
LEFT JOIN automation_products ap ON ap.store_id = $1 AND ap.product_id = p.product_id

-- name: remember_queued
-- Automation queued store $1's products $2, whose configured fields' digests were $3.
-- params: $1 store_id, $2 product_ids, $3 fingerprints
INSERT INTO automation_products AS ap (store_id, product_id, fingerprint, last_queued_at)
SELECT $1, p.product_id, p.fingerprint, now()
FROM unnest($2::text[], $3::text[]) AS p(product_id, fingerprint)
ON CONFLICT (store_id, product_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, last_queued_at = now()

-- name: count_against_cap
-- Automation charged store $1 $3 credits in the credit period ending on $2 (the count starts again
-- when the period is a new one).
-- params: $1 store_id, $2 period_resets_on, $3 credits
UPDATE automation_rules
SET credits_used = CASE WHEN period_resets_on = $2 THEN credits_used ELSE 0 END + $3, period_resets_on = $2
WHERE store_id = $1

-- name: note_cap_reached
-- The cap stopped store $1's automation in the period ending on $2; a row only the first time in
-- that period.
-- params: $1 store_id, $2 period_resets_on
UPDATE automation_rules SET cap_reached_for = $2
WHERE store_id = $1 AND cap_reached_for IS DISTINCT FROM $2
RETURNING store_id

-- name: claim_finished_job
-- One finished automation job not yet taken to publish, marked taken (once, whichever worker
-- gets it: rows another worker holds are skipped).
-- params: none
UPDATE jobs SET auto_published_at = now()
WHERE id = (
    SELECT id FROM jobs
    WHERE origin = 'automation' AND auto_published_at IS NULL
      AND status IN ('DONE', 'DONE_WITH_FAILURES', 'FAILED', 'CANCELED')
    ORDER BY id LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, store_id, status

-- name: unpublished_done_items
-- Job $1's items with an improved value not published yet, in id order.
-- params: $1 job_id
SELECT id FROM job_items WHERE job_id = $1 AND status = 'DONE' AND published_at IS NULL ORDER BY id

-- name: try_sweep_lead
-- Whether this transaction leads the sweep (the lock ends with it; other workers skip meanwhile).
-- params: $1 lock_key
SELECT pg_try_advisory_xact_lock($1)

-- name: due_sweeps
-- Up to $1 stores whose sweep is due, locked for this transaction.
-- params: $1 limit
SELECT store_id FROM automation_rules
WHERE sweep <> 'off' AND next_sweep_at <= now()
ORDER BY next_sweep_at
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: finish_sweep
-- Store $1 swept now; the next is due $2 seconds from now.
-- params: $1 store_id, $2 period_seconds
UPDATE automation_rules SET last_sweep_at = now(), next_sweep_at = now() + make_interval(secs => $2)
WHERE store_id = $1

-- name: summary
-- What store $1's automation jobs created since $2 did: products written, published, waiting for
-- review (a draft nobody decided on) and failed, each product counted once per count.
-- params: $1 store_id, $2 since
SELECT count(DISTINCT ji.product_id) FILTER (WHERE ji.status = 'DONE' AND ji.review_state <> 'NO_CHANGE') AS optimised,
       count(DISTINCT ji.product_id) FILTER (WHERE ji.published_at IS NOT NULL) AS published,
       count(DISTINCT ji.product_id) FILTER (
           WHERE ji.status = 'DONE' AND ji.review_state = 'NEW' AND ji.published_at IS NULL) AS waiting,
       count(DISTINCT ji.product_id) FILTER (WHERE ji.status = 'FAILED') AS failed
FROM jobs j JOIN job_items ji ON ji.job_id = j.id
WHERE j.store_id = $1 AND j.origin = 'automation' AND j.created_at >= $2

-- name: now
-- The database's time: what due times, cooldowns and sweeps are measured against.
-- params: none
SELECT now()

-- name: days_ago
-- The database's time $1 days ago.
-- params: $1 days
SELECT now() - make_interval(days => $1)
