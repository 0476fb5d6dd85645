-- Which model wrote each item (the primary or the fallback provider's), and what the LLM calls
-- spent on it: tokens from each answer's `usage`, split evenly over the fields one call covered and
-- added up over the item's attempts (a re-asked field costs tokens, never credits), and their cost
-- in US dollars at the configured prices. A job carries the sums of its items.
ALTER TABLE job_items
    ADD COLUMN model text,
    ADD COLUMN prompt_tokens integer NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens integer NOT NULL DEFAULT 0,
    ADD COLUMN cost_usd numeric(14, 8) NOT NULL DEFAULT 0;

ALTER TABLE jobs
    ADD COLUMN prompt_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN cost_usd numeric(16, 8) NOT NULL DEFAULT 0;
