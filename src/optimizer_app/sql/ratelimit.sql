-- The per-store API limit (web/ratelimit.py): a token bucket per store in one row, refilled by
-- the time since it was last touched and taken from in the same statement, so concurrent requests
-- from every web process queue on the row lock and never both take the last token.

-- name: take_token
-- Refill store $1's bucket at $2 tokens a second up to $3, then take one token if there is one.
-- Answers whether it was taken and the tokens left (below 1 when refused: the wait follows), and
-- when it was taken, the store's row: a request's first round trip is its only one before its
-- own work (a refused request reads no store row; no such store: its columns are null).
-- In SET every b.* is the row before this statement, so `allowed` and `tokens` see one refill.
-- params: $1 store_id, $2 per_second, $3 capacity
WITH bucket AS (
    INSERT INTO api_rate_buckets AS b (store_id, tokens, updated_at, allowed)
    VALUES ($1, $3::float8 - 1, now(), true)
    ON CONFLICT (store_id) DO UPDATE SET
        tokens = least($3::float8, b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * $2::float8)
                 - CASE WHEN least($3::float8, b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * $2::float8) >= 1
                        THEN 1 ELSE 0 END,
        updated_at = now(),
        allowed = least($3::float8, b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * $2::float8) >= 1
    RETURNING allowed, tokens
)
SELECT bucket.allowed AS bucket_allowed, bucket.tokens AS bucket_tokens, s.*
FROM bucket LEFT JOIN stores s ON s.id = $1 AND bucket.allowed
