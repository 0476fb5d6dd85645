-- 031_retention: finished work leaves the queue table; the owner's history stays.
--
-- Items of a job that finished more than RETENTION_DAYS ago are deleted in batches by the workers'
-- maintenance step (retention.py), with the job's product snapshots (job_products). What remains
-- of such a job: its row with every counter and its costs, its publish log and its activity.
-- Measured against range partitions dropped whole in docs/performance.md (Retention): partitions
-- would need job_items' key to carry the partition column, so publish_logs could no longer
-- reference its items and (job_id, product_id, attribute) could no longer be unique, and dropping
-- one takes an exclusive lock on the whole queue table.

-- When retention removed the job's items: the Results screen says why it lists none.
ALTER TABLE jobs ADD COLUMN items_expired_at timestamptz;

-- Jobs whose items are still there, oldest finish first: what each retention pass looks at.
CREATE INDEX jobs_items_to_expire ON jobs (finished_at) WHERE finished_at IS NOT NULL AND items_expired_at IS NULL;

-- A publish log row names its job itself: the field's history keeps the job (and its number) and a
-- job can still be reverted after its items are gone (job_item_id is SET NULL then).
ALTER TABLE publish_logs ADD COLUMN job_id bigint REFERENCES jobs (id) ON DELETE SET NULL;

UPDATE publish_logs pl SET job_id = ji.job_id FROM job_items ji WHERE ji.id = pl.job_item_id;

CREATE INDEX publish_logs_job ON publish_logs (job_id, id) WHERE job_id IS NOT NULL;

-- Deleting an item sets its log rows' job_item_id to NULL: without an index over every row (the
-- unique one covers live rows only), each deleted item would read the whole publish log.
CREATE INDEX publish_logs_job_item ON publish_logs (job_item_id) WHERE job_item_id IS NOT NULL;

-- Each item is written three times (claimed, settled, maybe reviewed) and then deleted: vacuum
-- early and without pausing, so freed space is reused before the table grows (fillfactor 80 and
-- a 1 % scale factor come from 001). New rows count too: the first pass after a large job's
-- enqueue sets its pages all-visible.
ALTER TABLE job_items SET (
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_vacuum_cost_limit = 2000
);
ALTER TABLE job_products SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
