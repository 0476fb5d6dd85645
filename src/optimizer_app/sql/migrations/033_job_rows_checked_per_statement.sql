-- 033_job_rows_checked_per_statement: job_items and job_products check their job (and job_items
-- its batch) once per statement instead of once per row. A job's rows are written by one COPY or
-- INSERT of thousands (queue.enqueue_job); the job key looked the job up and locked it 40,000
-- times for a job of 10,000 products × 4 fields, a third of that COPY's time, and the batch key
-- ran its check on each of those rows for the NULL every new item holds (docs/performance.md,
-- scenario d). The same integrity, kept by triggers:
--   * rows are written only for a job that exists, items only for a batch that exists (or none),
--     each locked FOR KEY SHARE as the keys did (a concurrent deletion waits, or the insert fails
--     with foreign_key_violation);
--   * a row never moves to another job; an item put into a batch (batches.sql, one UPDATE) is
--     checked as the key checked it, row by row;
--   * deleting jobs deletes their items and products in the same statement (ON DELETE CASCADE
--     did), also when the jobs go with their store; deleting a batch leaves its items without one
--     (ON DELETE SET NULL did).

CREATE FUNCTION rows_of_existing_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM jobs j WHERE j.id IN (SELECT DISTINCT n.job_id FROM new_rows n) FOR KEY SHARE OF j;
    SELECT n.job_id INTO missing FROM (SELECT DISTINCT job_id FROM new_rows) n
    WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = n.job_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('insert into %I: job %s does not exist', TG_TABLE_NAME, missing);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION items_of_existing_batches() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM llm_batches b
    WHERE b.id IN (SELECT DISTINCT n.batch_id FROM new_rows n WHERE n.batch_id IS NOT NULL) FOR KEY SHARE OF b;
    SELECT n.batch_id INTO missing FROM (SELECT DISTINCT batch_id FROM new_rows WHERE batch_id IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM llm_batches b WHERE b.id = n.batch_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = format('insert into job_items: batch %s does not exist', missing);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION item_of_existing_batch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM llm_batches b WHERE b.id = NEW.batch_id FOR KEY SHARE OF b;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update of job_items: batch %s does not exist', NEW.batch_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION items_leave_deleted_batches() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE job_items SET batch_id = NULL WHERE batch_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE FUNCTION rows_stay_in_their_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING
        MESSAGE = format('update of %I: a row cannot move from job %s to job %s', TG_TABLE_NAME, OLD.job_id, NEW.job_id);
END
$$;

CREATE FUNCTION delete_rows_of_deleted_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_items WHERE job_id IN (SELECT id FROM gone);
    DELETE FROM job_products WHERE job_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

ALTER TABLE job_items DROP CONSTRAINT job_items_job_id_fkey;
ALTER TABLE job_products DROP CONSTRAINT job_products_job_id_fkey;
ALTER TABLE job_items DROP CONSTRAINT job_items_batch_id_fkey;

CREATE TRIGGER job_items_of_existing_jobs AFTER INSERT ON job_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_of_existing_jobs();
CREATE TRIGGER job_products_of_existing_jobs AFTER INSERT ON job_products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rows_of_existing_jobs();

CREATE TRIGGER job_items_of_existing_batches AFTER INSERT ON job_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION items_of_existing_batches();
CREATE TRIGGER job_items_put_into_existing_batches AFTER UPDATE OF batch_id ON job_items
    FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL AND NEW.batch_id IS DISTINCT FROM OLD.batch_id)
    EXECUTE FUNCTION item_of_existing_batch();

CREATE TRIGGER job_items_stay_in_their_job BEFORE UPDATE OF job_id ON job_items
    FOR EACH ROW WHEN (OLD.job_id IS DISTINCT FROM NEW.job_id) EXECUTE FUNCTION rows_stay_in_their_job();
CREATE TRIGGER job_products_stay_in_their_job BEFORE UPDATE OF job_id ON job_products
    FOR EACH ROW WHEN (OLD.job_id IS DISTINCT FROM NEW.job_id) EXECUTE FUNCTION rows_stay_in_their_job();

CREATE TRIGGER jobs_take_their_rows AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_rows_of_deleted_jobs();
CREATE TRIGGER llm_batches_release_their_items AFTER DELETE ON llm_batches
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION items_leave_deleted_batches();
