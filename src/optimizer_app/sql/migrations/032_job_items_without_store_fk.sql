-- 032_job_items_without_store_fk: job_items.store_id no longer checks stores itself. Every item
-- is written with its job's store (queue.enqueue_job), the job's own key checks that store, and a
-- deleted store still takes its items with it (stores → jobs → job_items, each ON DELETE CASCADE).
-- The check cost a lookup and a row lock per item: 150 ms of a 40,000-item enqueue's COPY
-- (docs/performance.md, scenario d).
ALTER TABLE job_items DROP CONSTRAINT IF EXISTS job_items_store_id_fkey;
