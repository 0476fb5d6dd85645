-- 008_job_status_after: the status a job takes when its counters move, written once for the
-- queue's statements that count items into jobs (it mirrors domain.jobs.finished_status, and is
-- RUNNING while items remain; a canceled job stays canceled).
-- A single-expression SQL function that is not STRICT: the planner inlines it, so the statements
-- plan exactly as if the CASE were written in them.

CREATE FUNCTION job_status_after(current_status text, total integer, done integer, failed integer, canceled integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN current_status = 'CANCELED' THEN current_status
        WHEN done + failed + canceled < total THEN 'RUNNING'
        WHEN done = total THEN 'DONE'
        WHEN done > 0 THEN 'DONE_WITH_FAILURES'
        WHEN failed > 0 THEN 'FAILED'
        ELSE 'CANCELED' END
$$;
