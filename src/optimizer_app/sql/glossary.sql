-- Glossaries (glossary.py): one per store that saved one; the others work with the defaults.

-- name: get_glossary
-- Store $1's saved glossary, if any.
-- params: $1 store_id
SELECT rules FROM glossaries WHERE store_id = $1

-- name: save_glossary
-- Store $1's glossary is $2 from now on.
-- params: $1 store_id, $2 rules
INSERT INTO glossaries (store_id, rules) VALUES ($1, $2)
ON CONFLICT (store_id) DO UPDATE SET rules = excluded.rules, updated_at = now()
RETURNING rules

-- name: glossary_for_item
-- What an owner's edit of item $1 of store $2 is checked against: the job's language and the
-- store's glossary (null: the defaults). No row: no such item.
-- params: $1 item_id, $2 store_id
SELECT j.target_lang, g.rules
FROM job_items ji
JOIN jobs j ON j.id = ji.job_id
LEFT JOIN glossaries g ON g.store_id = ji.store_id
WHERE ji.id = $1 AND ji.store_id = $2
