-- 004_free_grants: the free plan's credits are given to a site once. A store that connects a site
-- whose grant another store already holds (the same host under another scheme, port or path)
-- starts with no credits and is not refilled by the monthly reset while it is on the free plan.

CREATE TABLE free_grants (
    platform    text NOT NULL,
    site_key    text NOT NULL,
    store_id    bigint REFERENCES stores (id) ON DELETE SET NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, site_key)
);

ALTER TABLE stores ADD COLUMN free_credits boolean NOT NULL DEFAULT true;
