-- 020_brand_voices_and_glossary: brand voices saved per store (at most one the default), the voice
-- each job is written in (a copy, so editing a voice later rewrites no job's history), and each
-- store's glossary. The free-text brand voice of a store's settings becomes its default voice.

CREATE TABLE brand_voices (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id      bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    name          text NOT NULL,
    tone          text NOT NULL DEFAULT '',
    prefer_words  text[] NOT NULL DEFAULT '{}',
    avoid_words   text[] NOT NULL DEFAULT '{}',
    example       text NOT NULL DEFAULT '',
    is_default    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX brand_voices_name ON brand_voices (store_id, lower(name));
CREATE UNIQUE INDEX brand_voices_default ON brand_voices (store_id) WHERE is_default;

-- {id, name, tone, prefer_words, avoid_words, example} as the voice was when the job was made.
ALTER TABLE jobs ADD COLUMN brand_voice jsonb;

-- One row per store that saved its glossary; a store without one works with the defaults.
CREATE TABLE glossaries (
    store_id    bigint PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    rules       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The settings' free text, whole (it could hold 500 characters; the API takes 200 for a new tone),
-- becomes the store's default voice; the jobs still waiting for the worker keep being written in it.
WITH moved AS (
    INSERT INTO brand_voices (store_id, name, tone, is_default)
    SELECT id, 'Store voice', btrim(settings ->> 'brand_voice'), true
    FROM stores
    WHERE coalesce(btrim(settings ->> 'brand_voice'), '') <> ''
    RETURNING id, store_id, name, tone
)
UPDATE jobs j
SET brand_voice = jsonb_build_object('id', m.id, 'name', m.name, 'tone', m.tone, 'prefer_words', '[]'::jsonb,
                                     'avoid_words', '[]'::jsonb, 'example', '')
FROM moved m
WHERE j.store_id = m.store_id AND j.status IN ('PENDING', 'RUNNING');

UPDATE stores SET settings = settings - 'brand_voice' WHERE settings ? 'brand_voice';
