-- 001_init: plans, stores, credits, jobs and the job_items queue, publish log, webhook dedupe.

CREATE TABLE plans (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    price_cents     integer NOT NULL CHECK (price_cents >= 0),
    monthly_credits integer NOT NULL CHECK (monthly_credits >= 0)
);

INSERT INTO plans (id, name, price_cents, monthly_credits) VALUES
    ('free',    'Free',       0,   100),
    ('starter', 'Starter',  900,  1000),
    ('pro',     'Pro',     2900,  5000),
    ('scale',   'Scale',   9900, 25000);

CREATE TABLE stores (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform            text NOT NULL CHECK (platform IN ('wix', 'shopify', 'salla', 'woocommerce')),
    external_id         text NOT NULL,
    display_name        text NOT NULL DEFAULT '',
    access_token_enc    bytea,
    refresh_token_enc   bytea,
    token_expires_at    timestamptz,
    needs_reauth        boolean NOT NULL DEFAULT false,
    plan_id             text NOT NULL REFERENCES plans (id) DEFAULT 'free',
    plan_cycle          text,
    plan_ends_on        date,          -- set when auto-renewal was cancelled: the plan stays until then
    credits_total       integer NOT NULL DEFAULT 0 CHECK (credits_total >= 0),
    credits_used        integer NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    credits_reset_on    date NOT NULL DEFAULT (current_date + interval '1 month')::date,
    settings            jsonb NOT NULL DEFAULT '{}'::jsonb,
    installed_at        timestamptz NOT NULL DEFAULT now(),
    uninstalled_at      timestamptz,
    UNIQUE (platform, external_id)
);

CREATE INDEX stores_credits_reset ON stores (credits_reset_on) WHERE uninstalled_at IS NULL;

-- Every grant, charge, refund and reset. For every store:
--   sum(delta) = credits_total - credits_used
CREATE TABLE credit_ledger (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id    bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    delta       integer NOT NULL,
    reason      text NOT NULL,
    job_id      bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX credit_ledger_store ON credit_ledger (store_id, created_at);

-- Products as last read from the store, so job creation need not call the platform
-- for products the owner has just browsed.
CREATE TABLE catalog_products (
    store_id    bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id  text NOT NULL,
    snapshot    jsonb NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, product_id)
);

CREATE TABLE jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id        bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'DONE_WITH_FAILURES', 'FAILED', 'CANCELED')),
    source_scope    text NOT NULL CHECK (source_scope IN ('products', 'collections')),
    source_ids      text[] NOT NULL,
    attributes      text[] NOT NULL,
    target_lang     text NOT NULL,
    user_prompt     text NOT NULL DEFAULT '',
    credits_charged integer NOT NULL,
    credits_refunded integer NOT NULL DEFAULT 0,
    items_total     integer NOT NULL,
    items_done      integer NOT NULL DEFAULT 0,
    items_failed    integer NOT NULL DEFAULT 0,
    items_canceled  integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);

CREATE INDEX jobs_store ON jobs (store_id, id DESC);

-- The product context of a job, one row per product, read by the worker with its items.
CREATE TABLE job_products (
    job_id      bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    product_id  text NOT NULL,
    snapshot    jsonb NOT NULL,
    PRIMARY KEY (job_id, product_id)
);

-- The queue: one row per (job, product, attribute).
-- `seq` is the product's position inside its job; claiming in (seq, job_id) order interleaves
-- jobs, so a small job is not stuck behind a large one that started earlier.
CREATE TABLE job_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id          bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    store_id        bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id      text NOT NULL,
    seq             integer NOT NULL,
    attribute       text NOT NULL,
    status          text NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELED')),
    attempts        smallint NOT NULL DEFAULT 0,
    run_after       timestamptz NOT NULL DEFAULT now(),
    lease_owner     text,
    lease_until     timestamptz,
    before_value    text,
    after_value     text,
    flags           jsonb NOT NULL DEFAULT '[]'::jsonb,
    error           text,
    review_state    text NOT NULL DEFAULT 'NEW'
                    CHECK (review_state IN ('NEW', 'EDITED', 'PUBLISHED', 'REVERTED')),
    published_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, product_id, attribute)
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.02,
        autovacuum_vacuum_cost_delay = 0);

-- Hot path: only claimable rows, in claim order.
CREATE INDEX job_items_pending ON job_items (seq, job_id, id) WHERE status = 'PENDING';
-- Lease recovery: only running rows.
CREATE INDEX job_items_running_lease ON job_items (lease_until) WHERE status = 'RUNNING';
CREATE INDEX job_items_store ON job_items (store_id, job_id);

CREATE TABLE publish_logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    job_item_id  bigint REFERENCES job_items (id) ON DELETE SET NULL,
    product_id   text NOT NULL,
    attribute    text NOT NULL,
    old_value    text NOT NULL,
    new_value    text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    reverted_at  timestamptz
);

CREATE INDEX publish_logs_store ON publish_logs (store_id, id DESC);
CREATE UNIQUE INDEX publish_logs_once_per_item ON publish_logs (job_item_id) WHERE reverted_at IS NULL;

CREATE TABLE webhook_events (
    platform     text NOT NULL,
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    store_id     bigint REFERENCES stores (id) ON DELETE SET NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, event_id)
);
