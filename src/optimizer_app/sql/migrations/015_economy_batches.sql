-- 015_economy_batches: economy jobs, whose items go through the LLM's Batch API (cheaper, answered
-- within 24 h), and the batches they went into.

ALTER TABLE jobs ADD COLUMN economy boolean NOT NULL DEFAULT false;

-- Submitted to the LLM's Batch API and polled there, not claimed by the workers' live loop.
CREATE TABLE llm_batches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- submitting (ours, until the provider accepted it), then the Batch API's own statuses;
    -- abandoned: a submission that never finished (its items' short leases return them).
    status          text NOT NULL DEFAULT 'submitting',
    remote_id       text,
    input_file_id   text,
    output_file_id  text,
    error_file_id   text,
    items           integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    submitted_at    timestamptz,
    next_poll_at    timestamptz NOT NULL DEFAULT now(),
    settled_at      timestamptz
);

CREATE INDEX llm_batches_open ON llm_batches (next_poll_at) WHERE settled_at IS NULL;

ALTER TABLE job_items
    ADD COLUMN via_batch boolean NOT NULL DEFAULT false,
    ADD COLUMN batch_id bigint REFERENCES llm_batches (id) ON DELETE SET NULL;

-- The live claim never sees batch items; the batch step finds them through their own index.
DROP INDEX job_items_pending;
CREATE INDEX job_items_pending ON job_items (seq, job_id, id) WHERE status = 'PENDING' AND NOT via_batch;
CREATE INDEX job_items_batch_pending ON job_items (job_id, seq, id) WHERE status = 'PENDING' AND via_batch;
CREATE INDEX job_items_batch ON job_items (batch_id) WHERE batch_id IS NOT NULL;

-- What `n` items cost: one credit each, or half a credit each (rounded up) in economy. Mirrors
-- domain.plans.items_cost; the queue's refunds are the change in it as items fail or are canceled.
CREATE FUNCTION items_cost(economy boolean, n integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN economy THEN (greatest(n, 0) + 1) / 2 ELSE greatest(n, 0) END
$$;
