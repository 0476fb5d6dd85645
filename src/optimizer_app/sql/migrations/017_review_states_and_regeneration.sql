-- 017_review_states_and_regeneration: the owner's review decisions, "no change needed" as an
-- outcome of its own, fields written again on request, and a job's items listed by review state.

-- ACCEPTED / REJECTED: the owner's decision on a suggestion; NO_CHANGE: the model found nothing to
-- improve (the item is DONE, its value is the current text, its credit refunded). Checked without a
-- full-table lock first, then validated (which lets writes go on).
ALTER TABLE job_items DROP CONSTRAINT job_items_review_state_check;
ALTER TABLE job_items ADD CONSTRAINT job_items_review_state_check
    CHECK (review_state IN ('NEW', 'ACCEPTED', 'REJECTED', 'EDITED', 'PUBLISHED', 'REVERTED', 'NO_CHANGE'))
    NOT VALID;
ALTER TABLE job_items VALIDATE CONSTRAINT job_items_review_state_check;

-- note: the owner's last note for a regeneration ("shorter"), shown to the model with the
-- suggestion it set aside; regenerations: how many times the field was written again (capped);
-- edited: the value is the owner's own, so a decision taken back returns to EDITED.
ALTER TABLE job_items
    ADD COLUMN note text,
    ADD COLUMN regenerations smallint NOT NULL DEFAULT 0,
    ADD COLUMN edited boolean NOT NULL DEFAULT false;

UPDATE job_items SET edited = true WHERE review_state = 'EDITED';

-- items_no_change: DONE items the model left as they were (counted in items_done too).
-- items_released: items whose share of the job's charge was given back (failed, canceled or no
-- change on their first run); a job's refunds are the change in items_cost over
-- items_total - items_released. A regenerated field carries a credit of its own instead, refunded
-- when that run fails, finds nothing to change or is canceled.
ALTER TABLE jobs
    ADD COLUMN items_no_change integer NOT NULL DEFAULT 0,
    ADD COLUMN items_released integer NOT NULL DEFAULT 0;

UPDATE jobs SET items_released = items_failed + items_canceled WHERE items_failed + items_canceled > 0;

-- A job's items in id order, a page at a time, whatever the review filter: the page ends as soon as
-- it is full instead of sorting every item of a 5,000-product job.
CREATE INDEX job_items_job_order ON job_items (job_id, id);
