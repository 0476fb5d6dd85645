-- 023_description_similarity: near-duplicate descriptions (duplicates.py). Each indexed product's
-- description has a MinHash signature; its bands are rows with an index, so the products whose
-- description may be near another's are found by equal buckets, not by comparing every pair; the
-- pairs verified as near-duplicates are kept, so the picker's filter and each product's
-- duplicate_of are plain lookups. Rows follow catalog_products: a product that leaves the index
-- takes its signature, bands and pairs with it.

CREATE TABLE description_signatures (
    store_id    bigint NOT NULL,
    product_id  text NOT NULL,
    text_hash   bytea NOT NULL,   -- of the compared words: an unchanged description is not hashed again
    signature   bytea NOT NULL,   -- 128 MinHash values, 32-bit little-endian
    PRIMARY KEY (store_id, product_id),
    FOREIGN KEY (store_id, product_id) REFERENCES catalog_products (store_id, product_id) ON DELETE CASCADE
);

CREATE TABLE description_bands (
    store_id    bigint NOT NULL,
    band        smallint NOT NULL,
    bucket      bigint NOT NULL,
    product_id  text NOT NULL,
    PRIMARY KEY (store_id, product_id, band),
    FOREIGN KEY (store_id, product_id) REFERENCES description_signatures (store_id, product_id) ON DELETE CASCADE
);
CREATE INDEX description_bands_bucket ON description_bands (store_id, band, bucket);

-- Both directions of each pair are kept: a product's near-duplicates are one index range.
CREATE TABLE description_duplicates (
    store_id    bigint NOT NULL,
    product_id  text NOT NULL,
    other_id    text NOT NULL,
    similarity  real NOT NULL,
    PRIMARY KEY (store_id, product_id, other_id),
    FOREIGN KEY (store_id, product_id) REFERENCES description_signatures (store_id, product_id) ON DELETE CASCADE,
    FOREIGN KEY (store_id, other_id) REFERENCES description_signatures (store_id, product_id) ON DELETE CASCADE
);
CREATE INDEX description_duplicates_other ON description_duplicates (store_id, other_id);
