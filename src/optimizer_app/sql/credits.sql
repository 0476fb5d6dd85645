-- Credits (credits.py): every statement that changes stores.credits_total, stores.credits_used or
-- credit_ledger. For every store, sum(credit_ledger.delta) = credits_total - credits_used.

-- name: charge
-- Take $2 credits from store $1 for job $3, with its ledger row (reason $4), only if the store has
-- them; no row means not enough credits (or an uninstalled store). Returns what remains.
-- params: $1 store_id, $2 credits, $3 job_id, $4 reason
WITH charged AS (
    UPDATE stores SET credits_used = credits_used + $2
    WHERE id = $1 AND uninstalled_at IS NULL AND credits_total - credits_used >= $2
    RETURNING id, credits_total - credits_used AS remaining
), ledger AS (
    INSERT INTO credit_ledger (store_id, delta, reason, job_id)
    SELECT id, -$2, $4::text, $3::bigint FROM charged
)
SELECT remaining FROM charged

-- name: remaining
-- What store $1 can still spend.
-- params: $1 store_id
SELECT greatest(credits_total - credits_used, 0) FROM stores WHERE id = $1

-- name: refund
-- Give back credits ($3) per store ($1) and job ($2), with one ledger row each, reason $4. Each is
-- taken off credits_used while there is any (a monthly reset may have zeroed it since the charge),
-- the rest added to credits_total, so the ledger stays exact. Stores are locked in id order.
-- params: $1 store_ids, $2 job_ids, $3 credits, $4 reason
WITH r AS (
    SELECT store_id, job_id, credits FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS r(store_id, job_id, credits)
), per_store AS (
    SELECT store_id, sum(credits)::int AS credits FROM r GROUP BY store_id
), locked AS (
    SELECT id FROM stores WHERE id IN (SELECT store_id FROM per_store) ORDER BY id FOR NO KEY UPDATE
), refunded AS (
    UPDATE stores s
    SET credits_used = s.credits_used - least(s.credits_used, p.credits),
        credits_total = s.credits_total + (p.credits - least(s.credits_used, p.credits))
    FROM per_store p
    WHERE s.id = p.store_id AND s.id IN (SELECT id FROM locked)
)
INSERT INTO credit_ledger (store_id, delta, reason, job_id)
SELECT store_id, credits, $4::text, job_id FROM r ORDER BY store_id, job_id

-- name: grant
-- Add $2 credits on top of store $1's plan, with its ledger row (reason $3).
-- params: $1 store_id, $2 credits, $3 reason
WITH granted AS (
    UPDATE stores SET credits_total = credits_total + $2 WHERE id = $1 RETURNING id
)
INSERT INTO credit_ledger (store_id, delta, reason)
SELECT id, $2, $3::text FROM granted

-- name: grant_first_month
-- A new installation's first month: its plan's monthly credits (ledger reason plan_grant).
-- params: $1 store_id
WITH granted AS (
    UPDATE stores s SET credits_total = s.credits_total + p.monthly_credits
    FROM plans p
    WHERE s.id = $1 AND p.id = s.plan_id
    RETURNING s.id, p.monthly_credits
)
INSERT INTO credit_ledger (store_id, delta, reason)
SELECT id, monthly_credits, 'plan_grant' FROM granted

-- name: lock_balance
-- Store $1's credits, row-locked until the transaction ends.
-- params: $1 store_id
SELECT credits_total, credits_used, credits_reset_on FROM stores WHERE id = $1 FOR NO KEY UPDATE

-- name: change_plan
-- Move store $1 to plan $2 (billing cycle $3): the new plan's monthly credits replace the old
-- plan's; credits already used stay used. No row: no such plan.
-- params: $1 store_id, $2 plan_id, $3 cycle
UPDATE stores s
SET plan_id = p.id, plan_cycle = $3, plan_ends_on = NULL,
    credits_total = greatest(p.monthly_credits, s.credits_used)
FROM plans p
WHERE s.id = $1 AND p.id = $2
RETURNING s.credits_total

-- name: ledger_entry
-- A ledger row for a change of store $1's balance by $2 that has no job (reason $3).
-- params: $1 store_id, $2 delta, $3 reason
INSERT INTO credit_ledger (store_id, delta, reason, job_id) VALUES ($1, $2, $3, NULL)

-- name: plan_change_since
-- The credits store $1's moves to plan $2 since $3 added (the ledger's plan_change rows); NULL
-- when it has not moved to that plan since.
-- params: $1 store_id, $2 plan_id, $3 since
SELECT sum(delta) FROM credit_ledger
WHERE store_id = $1 AND reason = 'plan_change:' || $2 AND created_at >= $3

-- name: stores_due_for_reset
-- Up to $2 installed stores whose monthly reset date has come by $1.
-- params: $1 today, $2 limit
SELECT id FROM stores
WHERE credits_reset_on <= $1 AND uninstalled_at IS NULL
ORDER BY id
LIMIT $2

-- name: reset_credits
-- The monthly reset of store $1 on $2, next due on $3; a plan that ended moves to free first.
-- Only while still due, so two maintenance runs reset a store once.
-- params: $1 store_id, $2 today, $3 next_reset_on
UPDATE stores s
SET credits_used = 0, credits_reset_on = $3, plan_id = p.id,
    credits_total = CASE WHEN p.id = 'free' AND NOT s.free_credits THEN 0 ELSE p.monthly_credits END,
    plan_ends_on = CASE WHEN s.plan_ends_on <= $2 THEN NULL ELSE s.plan_ends_on END
FROM plans p
WHERE s.id = $1 AND s.credits_reset_on <= $2
  AND p.id = CASE WHEN s.plan_ends_on IS NOT NULL AND s.plan_ends_on <= $2 THEN 'free' ELSE s.plan_id END
RETURNING s.credits_total

-- name: ledger_balance
-- Store $1's balance beside the sum of its ledger: equal for a healthy store.
-- params: $1 store_id
SELECT s.credits_total - s.credits_used AS balance, coalesce(sum(l.delta), 0) AS ledger
FROM stores s LEFT JOIN credit_ledger l ON l.store_id = s.id
WHERE s.id = $1
GROUP BY s.id
