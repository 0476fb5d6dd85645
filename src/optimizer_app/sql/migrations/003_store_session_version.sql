-- App sessions carry their store's session_version; uninstalling, reinstalling or reconnecting the
-- store bumps it, so a session handed out before no longer opens the store.
ALTER TABLE stores ADD COLUMN session_version integer NOT NULL DEFAULT 1;
