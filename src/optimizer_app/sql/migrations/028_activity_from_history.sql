-- 028_activity_from_history: the audit trail begins with what the app did before it kept one, so
-- an owner's Activity section still lists the jobs and publishes of before (it used to list the
-- publish log, which the trail replaces there).
--
-- From each store's jobs (created by the owner: the only path that made jobs then) and its
-- publish log (each row published or, with restored_from, put back; and its revert, when it was
-- reverted), with who did it as the log recorded. Only stores whose trail is still empty: their
-- entries are then numbered in the order they happened, as the trail's newest-first order by id
-- needs; a store that already has entries keeps its trail as it is.
INSERT INTO activity (store_id, at, actor_kind, actor_user, action, job_id, publish_log_id, product_id, detail)
SELECT past.store_id, past.at, past.actor_kind, past.actor_user, past.action, past.job_id, past.publish_log_id,
       past.product_id, past.detail
FROM (
    SELECT j.store_id, j.created_at AS at, 'owner' AS actor_kind, NULL::text AS actor_user, 'job_created' AS action,
           j.id AS job_id, NULL::bigint AS publish_log_id, NULL::text AS product_id,
           jsonb_build_object(
               'products', (j.items_total + j.fields_skipped) / greatest(1, cardinality(j.attributes)),
               'fields', j.items_total
           ) AS detail,
           0 AS step, j.id AS row_id
    FROM jobs j
    UNION ALL
    SELECT pl.store_id, pl.published_at, pl.actor_kind, pl.actor_user,
           CASE WHEN pl.restored_from IS NULL THEN 'published' ELSE 'restored' END,
           ji.job_id, pl.id, pl.product_id,
           CASE WHEN pl.restored_from IS NULL THEN jsonb_build_object('attribute', pl.attribute)
                ELSE jsonb_build_object('attribute', pl.attribute, 'restored_from', pl.restored_from) END,
           1, pl.id
    FROM publish_logs pl
    LEFT JOIN job_items ji ON ji.id = pl.job_item_id
    UNION ALL
    SELECT pl.store_id, pl.reverted_at, coalesce(pl.reverted_by_kind, 'owner'), pl.reverted_by_user, 'reverted',
           ji.job_id, pl.id, pl.product_id, jsonb_build_object('attribute', pl.attribute),
           2, pl.id
    FROM publish_logs pl
    LEFT JOIN job_items ji ON ji.id = pl.job_item_id
    WHERE pl.reverted_at IS NOT NULL
) past
WHERE NOT EXISTS (SELECT 1 FROM activity a WHERE a.store_id = past.store_id)
ORDER BY past.at, past.step, past.row_id;
