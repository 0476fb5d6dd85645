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
