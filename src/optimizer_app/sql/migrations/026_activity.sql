-- 026_activity: the store's audit trail — every action taken on it, by the owner from the
-- dashboard, by automation, or on a platform webhook's word — with what it was about.
--
-- `action` names what happened (activity.Action); `job_id` / `publish_log_id` / `product_id`
-- point at what it was about when there is one; `detail` holds the action's own facts (counts,
-- the fields of a rule change, the reason automation stopped). Kept for the store's lifetime,
-- like publish_logs: retention of finished queue rows never touches it.
CREATE TABLE activity (
    id bigserial PRIMARY KEY,
    store_id bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    actor_kind text NOT NULL CHECK (actor_kind IN ('owner', 'automation', 'webhook')),
    actor_user text,
    action text NOT NULL,
    job_id bigint REFERENCES jobs (id) ON DELETE SET NULL,
    publish_log_id bigint REFERENCES publish_logs (id) ON DELETE SET NULL,
    product_id text,
    detail jsonb NOT NULL DEFAULT '{}'
);

-- Newest first, for the whole trail and for one actor's part of it.
CREATE INDEX activity_store ON activity (store_id, id DESC);
CREATE INDEX activity_store_actor ON activity (store_id, actor_kind, id DESC);
