-- A publish log names its product itself: the Activity screen needs no lookup through jobs, and
-- the name survives its job item (job_item_id is SET NULL when items are deleted).
ALTER TABLE publish_logs ADD COLUMN product_title text;

UPDATE publish_logs pl
SET product_title = jp.snapshot->>'title'
FROM job_items ji
JOIN job_products jp ON jp.job_id = ji.job_id AND jp.product_id = ji.product_id
WHERE ji.id = pl.job_item_id;

-- A failed item's reason as a code (domain.jobs.ItemReason) beside its English `error`, so the
-- dashboard words it in the owner's language without matching English text.
ALTER TABLE job_items ADD COLUMN reason text;

-- Items that failed before this migration keep being worded in the owner's language: their error
-- is one of the sentences llm/checks.py wrote for these reasons.
UPDATE job_items
SET reason = CASE error
    WHEN 'the suggestion was empty' THEN 'empty'
    WHEN 'the suggestion was the same as the current text' THEN 'unchanged'
    WHEN 'the suggestion was longer than the field allows' THEN 'too_long'
    WHEN 'the answer left this field out' THEN 'left_out'
    END
WHERE status = 'FAILED' AND error IN (
    'the suggestion was empty',
    'the suggestion was the same as the current text',
    'the suggestion was longer than the field allows',
    'the answer left this field out');
