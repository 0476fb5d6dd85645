-- Near-duplicate descriptions (duplicates.py): MinHash signatures of indexed products'
-- descriptions, their band buckets, and the pairs verified as near-duplicates.

-- name: lock_store_index
-- Serialise changes to store $1's signatures until the transaction ends, so two products changed
-- at the same moment still find each other.
-- params: $1 store_id
SELECT pg_advisory_xact_lock(hashtextextended('description_signatures', $1))

-- name: known_hashes
-- The text digests of store $1's products $2 that have a signature.
-- params: $1 store_id, $2 product_ids
SELECT product_id, text_hash FROM description_signatures WHERE store_id = $1 AND product_id = ANY($2::text[])

-- name: forget_signatures
-- Store $1's products $2 have no description to compare any more: their signature, bands and
-- pairs go.
-- params: $1 store_id, $2 product_ids
DELETE FROM description_signatures WHERE store_id = $1 AND product_id = ANY($2::text[])

-- name: save_signatures
-- Store $1's products $2 with their text digests $3 and signatures $4, for those in the catalog
-- index; the ids saved.
-- params: $1 store_id, $2 product_ids, $3 text_hashes, $4 signatures
INSERT INTO description_signatures AS s (store_id, product_id, text_hash, signature)
SELECT $1, n.id, n.text_hash, n.signature
FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS n(id, text_hash, signature)
JOIN catalog_products cp ON cp.store_id = $1 AND cp.product_id = n.id
ON CONFLICT (store_id, product_id) DO UPDATE SET text_hash = excluded.text_hash, signature = excluded.signature
RETURNING product_id

-- name: save_bands
-- The band buckets of store $1's products: product $2, band $3, bucket $4 (one row per band).
-- params: $1 store_id, $2 product_ids, $3 bands, $4 buckets
INSERT INTO description_bands (store_id, product_id, band, bucket)
SELECT $1, n.id, n.band, n.bucket FROM unnest($2::text[], $3::smallint[], $4::bigint[]) AS n(id, band, bucket)
ON CONFLICT (store_id, product_id, band) DO UPDATE SET bucket = excluded.bucket

-- name: drop_pairs
-- Forget the near-duplicate pairs of store $1's products $2, whichever side they are on.
-- params: $1 store_id, $2 product_ids
DELETE FROM description_duplicates WHERE store_id = $1 AND (product_id = ANY($2::text[]) OR other_id = ANY($2::text[]))

-- name: candidates
-- For each of store $1's products $2, the other products sharing a bucket with it in some band
-- ($3 bands, $4 buckets, parallel to $2), each once with its signature.
-- params: $1 store_id, $2 product_ids, $3 bands, $4 buckets
SELECT c.product_id, c.other_id, s.signature
FROM (
    SELECT DISTINCT n.id AS product_id, b.product_id AS other_id
    FROM unnest($2::text[], $3::smallint[], $4::bigint[]) AS n(id, band, bucket)
    JOIN description_bands b ON b.store_id = $1 AND b.band = n.band AND b.bucket = n.bucket AND b.product_id <> n.id
) c
JOIN description_signatures s ON s.store_id = $1 AND s.product_id = c.other_id

-- name: save_pairs
-- Store $1's near-duplicate pairs ($2 one side, $3 the other, $4 their similarity), kept both ways.
-- params: $1 store_id, $2 product_ids, $3 other_ids, $4 similarities
INSERT INTO description_duplicates (store_id, product_id, other_id, similarity)
SELECT $1, p.a, p.b, p.similarity
FROM (
    SELECT n.a, n.b, n.similarity FROM unnest($2::text[], $3::text[], $4::real[]) AS n(a, b, similarity)
    UNION ALL
    SELECT n.b, n.a, n.similarity FROM unnest($2::text[], $3::text[], $4::real[]) AS n(a, b, similarity)
) p
ON CONFLICT (store_id, product_id, other_id) DO UPDATE SET similarity = excluded.similarity

-- name: draft_candidates
-- Store $1's products other than $2 whose description shares a bucket with a draft's ($3 bands,
-- $4 buckets): each once, with its signature and title.
-- params: $1 store_id, $2 product_id, $3 bands, $4 buckets
SELECT s.product_id, s.signature, coalesce(cp.snapshot->>'title', '') AS title
FROM description_signatures s
JOIN catalog_products cp ON cp.store_id = s.store_id AND cp.product_id = s.product_id
WHERE s.store_id = $1 AND s.product_id IN (
    SELECT b.product_id
    FROM unnest($3::smallint[], $4::bigint[]) AS n(band, bucket)
    JOIN description_bands b ON b.store_id = $1 AND b.band = n.band AND b.bucket = n.bucket
    WHERE b.product_id <> $2
)

-- name: stores_with_signatures
-- Which of stores $1 have any description indexed: a draft of another store's product has
-- nothing to be a near copy of, and the worker skips the lookup.
-- params: $1 store_ids
SELECT s.store_id FROM unnest($1::bigint[]) AS s(store_id)
WHERE EXISTS (SELECT 1 FROM description_signatures d WHERE d.store_id = s.store_id)
