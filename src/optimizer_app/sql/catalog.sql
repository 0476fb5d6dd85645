-- The products cache (catalog.py): products as last read from the store.

-- name: remember_products
-- Store $1's products ($2 ids, $3 snapshots as JSON text), read just now.
-- params: $1 store_id, $2 product_ids, $3 snapshots
INSERT INTO catalog_products (store_id, product_id, snapshot, fetched_at)
SELECT $1, p.id, p.snapshot::jsonb, now() FROM unnest($2::text[], $3::text[]) AS p(id, snapshot)
ON CONFLICT (store_id, product_id) DO UPDATE SET snapshot = excluded.snapshot, fetched_at = now()

-- name: fresh_products
-- The products among $2 read from store $1 within the last $3.
-- params: $1 store_id, $2 product_ids, $3 fresh_for
SELECT product_id, snapshot FROM catalog_products
WHERE store_id = $1 AND product_id = ANY($2::text[]) AND fetched_at > now() - $3::interval

-- name: fresh_product_ids
-- The ids among $2 of store $1's products read within the last $3 (their snapshots stay in the cache).
-- params: $1 store_id, $2 product_ids, $3 fresh_for
SELECT product_id FROM catalog_products
WHERE store_id = $1 AND product_id = ANY($2::text[]) AND fetched_at > now() - $3::interval

-- name: sync_state
-- Store $1's index: when it was last complete, which publish-log events it reflects, whether a
-- sync holds the lease now, and the database's clock.
-- params: $1 store_id
SELECT s.synced_at, s.changes_seen_at, coalesce(s.sync_until > now(), false) AS running, now() AS now
FROM (SELECT $1::bigint AS store_id) k
LEFT JOIN catalog_syncs s ON s.store_id = k.store_id

-- name: claim_sync
-- Take store $1's sync lease for owner $2 for $3 seconds, unless another sync holds it; the
-- moment it was taken, or no row.
-- params: $1 store_id, $2 owner, $3 lease_seconds
INSERT INTO catalog_syncs AS s (store_id, sync_owner, sync_until)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (store_id) DO UPDATE SET sync_owner = excluded.sync_owner, sync_until = excluded.sync_until
WHERE s.sync_until IS NULL OR s.sync_until < now()
RETURNING clock_timestamp() AS started_at

-- name: renew_sync
-- Extend owner $2's lease on store $1's sync by $3 seconds; no row when the lease was lost.
-- params: $1 store_id, $2 owner, $3 lease_seconds
UPDATE catalog_syncs SET sync_until = now() + make_interval(secs => $3)
WHERE store_id = $1 AND sync_owner = $2
RETURNING store_id

-- name: index_products
-- One page of store $1's catalog as sync $5 read it: products ($2 ids, $3 snapshots as JSON text)
-- at their places $4 in the platform's listing.
-- params: $1 store_id, $2 product_ids, $3 snapshots, $4 positions, $5 sync_mark
INSERT INTO catalog_products (store_id, product_id, snapshot, fetched_at, position, sync_mark)
SELECT $1, p.id, p.snapshot::jsonb, now(), p.position, $5
FROM unnest($2::text[], $3::text[], $4::integer[]) AS p(id, snapshot, position)
ON CONFLICT (store_id, product_id) DO UPDATE
SET snapshot = excluded.snapshot, fetched_at = now(), position = excluded.position, sync_mark = excluded.sync_mark

-- name: drop_unseen_products
-- After sync $2 read store $1's whole catalog: the products it did not see are gone from the store.
-- params: $1 store_id, $2 sync_mark
DELETE FROM catalog_products WHERE store_id = $1 AND sync_mark IS DISTINCT FROM $2

-- name: finish_sync
-- Owner $2's sync of store $1 is complete: $3 products, publish-log events up to $4 reflected;
-- the lease is released. No row when the lease was lost meanwhile.
-- params: $1 store_id, $2 owner, $3 products, $4 started_at
UPDATE catalog_syncs
SET synced_at = now(), products = $3, changes_seen_at = $4, sync_owner = NULL, sync_until = NULL, last_error = NULL
WHERE store_id = $1 AND sync_owner = $2
RETURNING synced_at

-- name: fail_sync
-- Owner $2's sync of store $1 failed with $3: the lease is released, the index stays as it was.
-- params: $1 store_id, $2 owner, $3 error
UPDATE catalog_syncs SET sync_owner = NULL, sync_until = NULL, last_error = $3
WHERE store_id = $1 AND sync_owner = $2

-- name: products_changed_since
-- Products of store $1 the app published to or reverted after $2, and the latest such moment.
-- params: $1 store_id, $2 since
SELECT product_id, max(coalesce(reverted_at, published_at)) AS changed_at
FROM publish_logs
WHERE store_id = $1 AND coalesce(reverted_at, published_at) > $2
GROUP BY product_id

-- name: refresh_products
-- Products of store $1 read again after the app changed them ($2 ids, $3 snapshots as JSON text),
-- keeping their places; those among $4 the store no longer has leave the index.
-- params: $1 store_id, $2 product_ids, $3 snapshots, $4 gone_ids
WITH gone AS (
    DELETE FROM catalog_products WHERE store_id = $1 AND product_id = ANY($4::text[])
)
UPDATE catalog_products cp SET snapshot = p.snapshot::jsonb, fetched_at = now()
FROM unnest($2::text[], $3::text[]) AS p(id, snapshot)
WHERE cp.store_id = $1 AND cp.product_id = p.id

-- name: mark_changes_seen
-- Store $1's index reflects the publish-log events up to $2.
-- params: $1 store_id, $2 changes_seen_at
UPDATE catalog_syncs SET changes_seen_at = greatest(changes_seen_at, $2) WHERE store_id = $1

-- name: query_index
-- A page of store $1's indexed products matching a filter — text $2 (an ILIKE pattern) in the
-- title or the description's text, collection $3, missing any of fields $4, optimised $5, with a
-- near-duplicate description $6 (NULL: either) — in the platform's order after (position $7,
-- product id $8), at most $9; each with when the app last published a change to it that stands,
-- and up to $10 of its near-duplicates, closest first.
-- params: $1 store_id, $2 pattern, $3 collection_id, $4 missing, $5 optimised, $6 duplicate, $7 after_position, $8 after_product_id, $9 limit, $10 duplicates_shown
SELECT product_id, snapshot, pos, optimised_at,
       ARRAY(SELECT d.other_id FROM description_duplicates d
             WHERE d.store_id = $1 AND d.product_id = m.product_id
             ORDER BY d.similarity DESC, d.other_id LIMIT $10) AS duplicate_of
FROM (
    SELECT cp.product_id, cp.snapshot, coalesce(cp.position, 2147483647) AS pos,
           (SELECT max(pl.published_at) FROM publish_logs pl
            WHERE pl.store_id = cp.store_id AND pl.product_id = cp.product_id AND pl.reverted_at IS NULL) AS optimised_at
    FROM catalog_products cp
    WHERE cp.store_id = $1
      AND ($2::text IS NULL OR cp.snapshot->>'title' ILIKE $2
           OR regexp_replace(cp.snapshot->>'description_html', '<[^>]*>', ' ', 'g') ILIKE $2)
      AND ($3::text IS NULL OR cp.snapshot->'collection_ids' ? $3)
      AND (cardinality($4::text[]) = 0 OR cp.missing_fields && $4::text[])
      AND ($6::boolean IS NULL OR EXISTS (
            SELECT 1 FROM description_duplicates d
            WHERE d.store_id = cp.store_id AND d.product_id = cp.product_id) = $6)
) m
WHERE ($5::boolean IS NULL OR (optimised_at IS NOT NULL) = $5) AND (pos, product_id) > ($7::integer, $8::text)
ORDER BY pos, product_id
LIMIT $9

-- name: count_index
-- How many of store $1's indexed products match the filter of query_index ($2 to $6).
-- params: $1 store_id, $2 pattern, $3 collection_id, $4 missing, $5 optimised, $6 duplicate
SELECT count(*)
FROM catalog_products cp
WHERE cp.store_id = $1
  AND ($2::text IS NULL OR cp.snapshot->>'title' ILIKE $2
       OR regexp_replace(cp.snapshot->>'description_html', '<[^>]*>', ' ', 'g') ILIKE $2)
  AND ($3::text IS NULL OR cp.snapshot->'collection_ids' ? $3)
  AND (cardinality($4::text[]) = 0 OR cp.missing_fields && $4::text[])
  AND ($5::boolean IS NULL OR EXISTS (
        SELECT 1 FROM publish_logs pl
        WHERE pl.store_id = cp.store_id AND pl.product_id = cp.product_id AND pl.reverted_at IS NULL) = $5)
  AND ($6::boolean IS NULL OR EXISTS (
        SELECT 1 FROM description_duplicates d
        WHERE d.store_id = cp.store_id AND d.product_id = cp.product_id) = $6)

-- name: optimised_at
-- When the app last published a change that stands to each of store $1's products $2.
-- params: $1 store_id, $2 product_ids
SELECT product_id, max(published_at) AS optimised_at
FROM publish_logs
WHERE store_id = $1 AND product_id = ANY($2::text[]) AND reverted_at IS NULL
GROUP BY product_id

-- name: audit
-- Every product of store $1's catalog index in the platform's order: its title, the fields it
-- lacks, and up to $2 of its near-duplicates, closest first.
-- params: $1 store_id, $2 duplicates_shown
SELECT cp.product_id, coalesce(cp.snapshot->>'title', '') AS title, cp.missing_fields,
       ARRAY(SELECT d.other_id FROM description_duplicates d
             WHERE d.store_id = cp.store_id AND d.product_id = cp.product_id
             ORDER BY d.similarity DESC, d.other_id LIMIT $2) AS duplicate_of
FROM catalog_products cp
WHERE cp.store_id = $1
ORDER BY coalesce(cp.position, 2147483647), cp.product_id

-- name: duplicate_of
-- Up to $3 near-duplicates of each of store $1's products $2 that has any, closest first.
-- params: $1 store_id, $2 product_ids, $3 duplicates_shown
SELECT product_id, (array_agg(other_id ORDER BY similarity DESC, other_id))[1:$3] AS duplicate_of
FROM description_duplicates
WHERE store_id = $1 AND product_id = ANY($2::text[])
GROUP BY product_id
