-- The Wix Stores catalog a site runs (V1_CATALOG or V3_CATALOG, from GET /stores/v3/provision/version):
-- the two versions speak different APIs, and Wix documents the version as permanent for a site
-- (a V1 site may be migrated to V3, never back), so it is asked once and kept. NULL: not asked yet,
-- or the site had no Wix Stores when it was asked.
ALTER TABLE stores ADD COLUMN catalog_version text;
