-- 012_store_site_facts: what the app learned of a store's site that decides how it is called and
-- what it can publish there (WooCommerce: the active SEO plugin, the home URL the REST index
-- reports, whether the host needs the keys in the query string). Not the owner's settings.

ALTER TABLE stores ADD COLUMN site_facts jsonb NOT NULL DEFAULT '{}'::jsonb;
