-- Retention (retention.py): the items and product snapshots of jobs that finished more than the
-- retention period ago leave the queue's tables; the job rows, publish logs and activity stay.

-- name: try_lock
-- One retention pass at a time across every worker: true when this session took the lock
-- (held until unlock, which retention.py runs in a `finally` before the connection goes back to
-- the pool: pooled connections are not reset, db.py).
-- params: $1 lock_key
SELECT pg_try_advisory_lock($1)

-- name: unlock
-- The pass is over.
-- params: $1 lock_key
SELECT pg_advisory_unlock($1)

-- name: expired_jobs
-- Up to $2 jobs finished before now() - $1 whose items are still there, oldest finish first.
-- params: $1 period, $2 limit
SELECT id FROM jobs
WHERE finished_at < now() - $1::interval AND items_expired_at IS NULL
ORDER BY finished_at
LIMIT $2

-- name: delete_expired_items
-- Up to $3 finished items of jobs $1 that are still finished before now() - $2. Row locks are
-- taken (an item a regeneration holds is skipped): an item put back in the queue meanwhile is
-- read again under the lock, seen PENDING and kept. Returns how many went.
-- params: $1 job_ids, $2 period, $3 limit
WITH gone AS (
    DELETE FROM job_items WHERE id IN (
        SELECT ji.id FROM job_items ji
        JOIN jobs j ON j.id = ji.job_id
        WHERE ji.job_id = ANY($1::bigint[]) AND j.finished_at < now() - $2::interval
          AND ji.status IN ('DONE', 'FAILED', 'CANCELED')
        ORDER BY ji.job_id, ji.id
        LIMIT $3
        FOR UPDATE OF ji SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone

-- name: mark_items_expired
-- Jobs among $1, still finished before now() - $2, that have no item left: their items expired
-- now, and their product snapshots go too. Returns their ids.
-- params: $1 job_ids, $2 period
WITH expired AS (
    UPDATE jobs j SET items_expired_at = now()
    WHERE j.id = ANY($1::bigint[]) AND j.finished_at < now() - $2::interval AND j.items_expired_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM job_items ji WHERE ji.job_id = j.id)
    RETURNING j.id
), snapshots AS (
    DELETE FROM job_products WHERE job_id IN (SELECT id FROM expired)
)
SELECT id FROM expired

-- name: vacuum_queue
-- Make the space of deleted and superseded item versions reusable now, whatever the server's
-- autovacuum does (outside any transaction; a table kept small vacuums in milliseconds).
-- params: none
VACUUM job_items, job_products
