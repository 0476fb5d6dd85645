-- 027_automation_rules: the owner's automation rules per store, what automation last queued of
-- each product, and which jobs automation made (docs/automation.md).
--
-- A store without a row has automation off. `language` NULL: the store's default language;
-- `voice_id` NULL: the store's default brand voice. `credits_used` counts what automation charged
-- in the credit period that ends on `period_resets_on` (the store's credits_reset_on when it was
-- counted): when the store's reset date moves on, the count starts again from 0.
-- `cap_reached_for` is the period whose cap stop was recorded, so it is recorded once a period.
CREATE TABLE automation_rules (
    store_id bigint PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    mode text NOT NULL DEFAULT 'off' CHECK (mode IN ('off', 'review', 'publish')),
    paused boolean NOT NULL DEFAULT false,
    attributes text[] NOT NULL,
    language text,
    voice_id bigint REFERENCES brand_voices (id) ON DELETE SET NULL,
    only_empty boolean NOT NULL DEFAULT false,
    min_score integer CHECK (min_score BETWEEN 0 AND 100),
    monthly_credit_cap integer NOT NULL CHECK (monthly_credit_cap >= 0),
    credits_used integer NOT NULL DEFAULT 0,
    period_resets_on date,
    cap_reached_for date,
    sweep text NOT NULL DEFAULT 'off' CHECK (sweep IN ('off', 'daily', 'weekly')),
    next_sweep_at timestamptz,
    last_sweep_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX automation_rules_sweep_due ON automation_rules (next_sweep_at) WHERE sweep <> 'off';

-- What automation last queued of each product: a fingerprint of its configured fields then, so an
-- unchanged product is not queued again, and when, so a product is queued at most once a minute.
CREATE TABLE automation_products (
    store_id bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id text NOT NULL,
    fingerprint text NOT NULL,
    last_queued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, product_id)
);

-- origin: who made the job, the owner or automation. auto_published_at: when the worker took a
-- finished automation job to publish (mode publish) or to leave for review, once.
ALTER TABLE jobs
    ADD COLUMN origin text NOT NULL DEFAULT 'owner' CHECK (origin IN ('owner', 'automation')),
    ADD COLUMN auto_published_at timestamptz;

CREATE INDEX jobs_automation_unpublished ON jobs (id) WHERE origin = 'automation' AND auto_published_at IS NULL;
CREATE INDEX jobs_automation_created ON jobs (store_id, created_at) WHERE origin = 'automation';
