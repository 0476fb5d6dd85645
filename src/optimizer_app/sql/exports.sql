-- Exports of a job's drafts and of the catalog audit, and imports of edited drafts (exports.py).

-- name: job_drafts
-- Every item of job $1 (store $2): what an imported row is matched with.
-- params: $1 job_id, $2 store_id
SELECT id, after_value FROM job_items WHERE job_id = $1 AND store_id = $2

-- name: audit_page
-- A page of store $1's indexed products in the platform's order after (position $2, product id
-- $3), at most $4: each with the fields it lacks and when the app last published a change to it
-- that stands.
-- params: $1 store_id, $2 after_position, $3 after_product_id, $4 limit
SELECT cp.product_id, cp.snapshot->>'title' AS title, cp.missing_fields,
       coalesce(cp.position, 2147483647) AS pos,
       (SELECT max(pl.published_at) FROM publish_logs pl
        WHERE pl.store_id = cp.store_id AND pl.product_id = cp.product_id AND pl.reverted_at IS NULL) AS optimised_at
FROM catalog_products cp
WHERE cp.store_id = $1 AND (coalesce(cp.position, 2147483647), cp.product_id) > ($2::integer, $3::text)
ORDER BY coalesce(cp.position, 2147483647), cp.product_id
LIMIT $4
