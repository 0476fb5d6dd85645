-- 025_automation_changes: products a platform webhook says were created or changed, waiting for
-- the worker's automation step (automation.py) to decide whether they become a job.
--
-- One row per (store, product): a product changed many times before the worker gets to it stays
-- one row (`changes` counts the deliveries), so it is queued once. `due_at` is when the worker may
-- take it: a short settle time after the first delivery, so a burst of saves in the platform's
-- admin arrives as one change. The worker deletes the row when it has decided.
CREATE TABLE automation_changes (
    store_id bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id text NOT NULL,
    created boolean NOT NULL,          -- a product-created event was among the deliveries
    source text NOT NULL,              -- the platform's event type of the first delivery
    changes integer NOT NULL DEFAULT 1,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    due_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

CREATE INDEX automation_changes_due ON automation_changes (due_at);
