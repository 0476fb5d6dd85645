-- No query reads job_items by store alone: items are reached through their job (jobs_store, then
-- the (job_id, product_id, attribute) key). The index cost every enqueued item and every claim and
-- settle an entry; a store's deletion (a platform's redact request, rare) scans instead.
DROP INDEX IF EXISTS job_items_store;
