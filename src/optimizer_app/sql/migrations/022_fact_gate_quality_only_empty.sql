-- 022_fact_gate_quality_only_empty: a draft's quality score, and jobs that write only empty fields.

-- quality: {"score": 0-100, "reasons": [codes]} of the item's value (domain/quality.py), computed
-- when a result is saved and when the owner edits it; NULL while there is none (pending, failed,
-- no change needed). Flags keep their shape as written by the fact gate (llm/facts.py):
-- objects {code, term, text, start, end, message}; rows written before hold sentences.
ALTER TABLE job_items ADD COLUMN quality jsonb;

-- only_empty: the job writes only the fields that had no value when it was created;
-- fields_skipped: the product fields it left alone for that (never enqueued, never charged).
ALTER TABLE jobs
    ADD COLUMN only_empty boolean NOT NULL DEFAULT false,
    ADD COLUMN fields_skipped integer NOT NULL DEFAULT 0;
