-- 019_api_rate_buckets: the per-store API limit, one token bucket per store shared by every web
-- process (each process kept its own before, so N processes allowed N times the limit).
-- Unlogged: a bucket is worth nothing after a crash (it refills within a minute), and its
-- updates, one per API request, should not add to the write-ahead log. fillfactor leaves room
-- for HOT updates, so the row is rewritten in place without touching the index.
CREATE UNLOGGED TABLE api_rate_buckets (
    store_id    bigint PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_at  timestamptz NOT NULL,
    allowed     boolean NOT NULL
) WITH (fillfactor = 50);
