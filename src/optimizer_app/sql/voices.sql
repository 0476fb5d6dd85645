-- Brand voices (voices.py), always scoped to one store.

-- name: list_voices
-- Store $1's voices, oldest first.
-- params: $1 store_id
SELECT id, name, tone, prefer_words, avoid_words, example, is_default, created_at, updated_at
FROM brand_voices WHERE store_id = $1 ORDER BY id

-- name: get_voice
-- Voice $1 if store $2 owns it.
-- params: $1 voice_id, $2 store_id
SELECT id, name, tone, prefer_words, avoid_words, example, is_default, created_at, updated_at
FROM brand_voices WHERE id = $1 AND store_id = $2

-- name: default_voice
-- Store $1's default voice, if it has one.
-- params: $1 store_id
SELECT id, name, tone, prefer_words, avoid_words, example, is_default, created_at, updated_at
FROM brand_voices WHERE store_id = $1 AND is_default

-- name: lock_store_voices
-- Serialise changes to store $1's voices (their count, which one is the default) until the
-- transaction ends, without locking the store's row, which every charge updates.
-- params: $1 store_id
SELECT pg_advisory_xact_lock(hashtextextended('brand_voices', $1))

-- name: count_voices
-- How many voices store $1 has.
-- params: $1 store_id
SELECT count(*)::int FROM brand_voices WHERE store_id = $1

-- name: name_taken
-- Whether store $1 has a voice named $2 (in any letter case) other than voice $3.
-- params: $1 store_id, $2 name, $3 except_id
SELECT EXISTS (SELECT 1 FROM brand_voices WHERE store_id = $1 AND lower(name) = lower($2) AND id <> $3)

-- name: clear_default
-- Store $1 has no default voice any more (another is about to become it).
-- params: $1 store_id
UPDATE brand_voices SET is_default = false, updated_at = now() WHERE store_id = $1 AND is_default

-- name: insert_voice
-- A new voice of store $1.
-- params: $1 store_id, $2 name, $3 tone, $4 prefer_words, $5 avoid_words, $6 example, $7 is_default
INSERT INTO brand_voices (store_id, name, tone, prefer_words, avoid_words, example, is_default)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, name, tone, prefer_words, avoid_words, example, is_default, created_at, updated_at

-- name: update_voice
-- Voice $1 of store $2 with every field as given.
-- params: $1 voice_id, $2 store_id, $3 name, $4 tone, $5 prefer_words, $6 avoid_words, $7 example, $8 is_default
UPDATE brand_voices
SET name = $3, tone = $4, prefer_words = $5, avoid_words = $6, example = $7, is_default = $8, updated_at = now()
WHERE id = $1 AND store_id = $2
RETURNING id, name, tone, prefer_words, avoid_words, example, is_default, created_at, updated_at

-- name: delete_voice
-- Voice $1 of store $2 is gone (jobs keep their own copies of it).
-- params: $1 voice_id, $2 store_id
DELETE FROM brand_voices WHERE id = $1 AND store_id = $2 RETURNING id
