-- The migrations runner (db.migrate): which numbered files of migrations/ a database has.

-- name: lock_migrations
-- One runner at a time per database, across processes ($1: the runner's advisory lock id).
-- params: $1 lock_id
SELECT pg_advisory_lock($1)

-- name: unlock_migrations
-- Let the next runner in.
-- params: $1 lock_id
SELECT pg_advisory_unlock($1)

-- name: create_schema_migrations
-- The record of applied migrations, created by the first run.
-- params: none
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())

-- name: applied_migrations
-- The versions already applied.
-- params: none
SELECT version FROM schema_migrations

-- name: record_migration
-- Migration $1 is applied (in the transaction that applied it).
-- params: $1 version
INSERT INTO schema_migrations (version) VALUES ($1)
