-- 024_publish_log_actors_and_restores: who wrote each value the app published or reverted, and
-- versions of a field put back from its history (publishing.restore).

-- actor_kind: what made the app write — the owner from the dashboard, automation or a webhook;
-- actor_user: the platform's user id when the owner's token names one (a Shopify session token's
-- `sub`, a Wix instance's `uid`); NULL on the others, which identify the store only. Rows written
-- before this migration came from the dashboard, the only path that published.
-- reverted_by_*: the same for the revert of the row, when it is reverted.
-- restored_from: for a row written by putting an earlier version back, the row that version
-- comes from (its job_item_id is NULL).
ALTER TABLE publish_logs
    ADD COLUMN actor_kind text NOT NULL DEFAULT 'owner',
    ADD COLUMN actor_user text,
    ADD COLUMN reverted_by_kind text,
    ADD COLUMN reverted_by_user text,
    ADD COLUMN restored_from bigint REFERENCES publish_logs (id) ON DELETE SET NULL;

ALTER TABLE publish_logs
    ADD CONSTRAINT publish_logs_actor_kind_check CHECK (actor_kind IN ('owner', 'automation', 'webhook')),
    ADD CONSTRAINT publish_logs_reverted_by_kind_check
        CHECK (reverted_by_kind IS NULL OR reverted_by_kind IN ('owner', 'automation', 'webhook'));

-- A field's history: every row of one product's field, in order.
CREATE INDEX publish_logs_field_history ON publish_logs (store_id, product_id, attribute, id);
