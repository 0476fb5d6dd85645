-- 016_catalog_index_and_job_numbers: the products cache becomes an index of each store's whole
-- catalog that filters answer from (catalog.py); jobs created from such a filter; job numbers per
-- store; what a job covered, for its title.

-- The product's place in the platform's own listing (the order filters answer in), the sync that
-- last saw it (rows no complete sync saw are products the store no longer has), and the fields it
-- lacks: empty, or for a description nothing but markup and spaces (domain.product_query).
ALTER TABLE catalog_products
    ADD COLUMN position integer,
    ADD COLUMN sync_mark text,
    ADD COLUMN missing_fields text[] GENERATED ALWAYS AS (
        array_remove(ARRAY[
            CASE WHEN btrim(coalesce(snapshot->>'title', '')) = '' THEN 'title' END,
            CASE WHEN regexp_replace(coalesce(snapshot->>'description_html', ''), '<[^>]*>|&nbsp;|&#160;|\s', '', 'g') = ''
                 THEN 'description' END,
            CASE WHEN btrim(coalesce(snapshot->>'seo_title', '')) = '' THEN 'seo_title' END,
            CASE WHEN btrim(coalesce(snapshot->>'seo_description', '')) = '' THEN 'seo_description' END
        ], NULL)
    ) STORED;

-- One row per store whose catalog was read whole. A sync holds the lease (sync_owner until
-- sync_until, renewed page by page), so one store is never synced twice at once and a sync whose
-- process died is taken over once its lease ran out; nobody holds a connection meanwhile.
CREATE TABLE catalog_syncs (
    store_id         bigint PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    synced_at        timestamptz,      -- when the last complete sync ended; NULL: never
    products         integer,          -- products it found
    changes_seen_at  timestamptz,      -- publish-log events up to here are reflected in the index
    sync_owner       text,
    sync_until       timestamptz,
    last_error       text
);

-- Whether, and when, the app last changed a product (Optimised filter, optimised_at), and which
-- products changed since the index last looked.
CREATE INDEX publish_logs_live_by_product ON publish_logs (store_id, product_id) WHERE reverted_at IS NULL;
CREATE INDEX publish_logs_changed ON publish_logs (store_id, (coalesce(reverted_at, published_at)));

-- Jobs: a number per store (1, 2, 3, … without gaps, given in the transaction that creates the
-- job), the filter a "query" job was made from, and the names of the collections it covered.
ALTER TABLE stores ADD COLUMN jobs_created integer NOT NULL DEFAULT 0;
ALTER TABLE jobs
    ADD COLUMN number integer,
    ADD COLUMN query jsonb,
    ADD COLUMN collection_names text[] NOT NULL DEFAULT '{}';

UPDATE jobs j SET number = n.number
FROM (SELECT id, row_number() OVER (PARTITION BY store_id ORDER BY id) AS number FROM jobs) n
WHERE n.id = j.id;
UPDATE stores s SET jobs_created = c.n
FROM (SELECT store_id, count(*) AS n FROM jobs GROUP BY store_id) c
WHERE c.store_id = s.id;

ALTER TABLE jobs ALTER COLUMN number SET NOT NULL;
CREATE UNIQUE INDEX jobs_store_number ON jobs (store_id, number);

ALTER TABLE jobs DROP CONSTRAINT jobs_source_scope_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_source_scope_check CHECK (source_scope IN ('products', 'collections', 'query'));

-- The workers' recent finishing rate (a job's ETA before its own first items finish): jobs that
-- are running or finished lately, found without reading every job.
CREATE INDEX jobs_unfinished ON jobs (started_at) WHERE finished_at IS NULL;
CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- A job's items counted by review state (no change, rejected, published) without reading the
-- items still waiting for review; new items (NEW) take no entry.
CREATE INDEX job_items_reviewed ON job_items (job_id, review_state)
    WHERE review_state IN ('NO_CHANGE', 'REJECTED', 'PUBLISHED');
