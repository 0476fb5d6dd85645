import { useCallback, useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";
import { FIELD_LABEL, LANGUAGES, fmt, plural, when } from "../config";
import type { Shared } from "../App";
import type { Job } from "../types";
import { Confirm, Empty, ErrorBox, Loading, Notice, Progress, StatusBadge, usePolling } from "../ui";

const ACTIVE = new Set(["PENDING", "RUNNING"]);

export function jobSummary(job: Job): string {
  const fields = job.attributes.map((a) => FIELD_LABEL[a] ?? a).join(", ");
  const lang = LANGUAGES.find((l) => l.code === job.target_lang)?.name ?? job.target_lang;
  return `${fields} · ${lang}`;
}

export function Queue({ shared }: { shared: Shared }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [recent, setRecent] = useState<Job[]>([]);
  const [canceling, setCanceling] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ jobs: Job[] }>("/api/jobs?limit=30")
      .then((d) => {
        setJobs(d.jobs.filter((j) => ACTIVE.has(j.status)));
        setRecent(d.jobs.filter((j) => !ACTIVE.has(j.status)).slice(0, 5));
        setError(null);
      })
      .catch((e) => setError(`We could not load your jobs. ${messageOf(e)}`));
  }, []);

  useEffect(load, [load]);
  usePolling(load, 2500, true);

  const lastActive = useRef(0);
  const { refreshMe } = shared;
  useEffect(() => {
    const n = jobs?.length ?? 0;
    if (n < lastActive.current) refreshMe();
    lastActive.current = n;
  }, [jobs, refreshMe]);

  const cancel = async () => {
    if (!canceling) return;
    setBusy(true);
    try {
      const res = await api<{ credits_refunded: number }>(`/api/jobs/${canceling.id}/cancel`, { method: "POST" });
      setMessage(`Job #${canceling.id} canceled. ${plural(res.credits_refunded, "credit was", "credits were")} refunded.`);
      shared.refreshMe();
      load();
    } catch (e) {
      setMessage(`We could not cancel the job. ${messageOf(e)}`);
    } finally {
      setBusy(false);
      setCanceling(null);
    }
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Queue</h1>
          <p className="muted">Jobs being improved right now. This page updates by itself every few seconds.</p>
        </div>
        <button type="button" className="btn primary" onClick={() => shared.go("optimise")}>
          New job
        </button>
      </div>
      {message ? <Notice kind="info">{message}</Notice> : null}
      {error ? <ErrorBox message={error} onRetry={load} /> : null}
      {jobs === null && !error ? <Loading label="Loading your jobs…" /> : null}
      {jobs !== null && jobs.length === 0 ? (
        <section className="card">
          <Empty title="Nothing is being improved right now.">
            Start a job from <button type="button" className="link" onClick={() => shared.go("optimise")}>Optimise</button>;
            finished jobs are in <button type="button" className="link" onClick={() => shared.go("results")}>Results</button>.
          </Empty>
        </section>
      ) : null}
      {jobs?.map((job) => (
        <section className="card job" key={job.id} aria-label={`Job ${job.id}`} data-testid="queue-job">
          <div className="job-head">
            <div>
              <h2>
                Job #{job.id} <StatusBadge status={job.status} />
              </h2>
              <div className="muted small">
                {plural(job.counts.total, "change", "changes")} · {jobSummary(job)} · started {when(job.created_at)}
              </div>
            </div>
            <button type="button" className="btn secondary" onClick={() => setCanceling(job)}>
              Cancel job
            </button>
          </div>
          <Progress done={job.counts.done} failed={job.counts.failed} canceled={job.counts.canceled} total={job.counts.total} />
          <div className="legend small">
            <span><i className="dot done" /> {fmt(job.counts.done)} done</span>
            <span><i className="dot failed" /> {fmt(job.counts.failed)} failed</span>
            <span><i className="dot pending" /> {fmt(job.counts.pending)} waiting</span>
          </div>
        </section>
      ))}

      {recent.length ? (
        <section className="card">
          <h2>Recently finished</h2>
          <ul className="plain-list">
            {recent.map((job) => (
              <li key={job.id}>
                <span>
                  Job #{job.id} <StatusBadge status={job.status} />{" "}
                  <span className="muted small">
                    {fmt(job.counts.done)} of {fmt(job.counts.total)} improved · {when(job.finished_at)}
                  </span>
                </span>
                <button type="button" className="btn secondary small" onClick={() => shared.go("results", job.id)}>
                  Review results
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {canceling ? (
        <Confirm
          title={`Cancel job #${canceling.id}?`}
          confirmLabel="Cancel job and refund"
          cancelLabel="Keep it running"
          danger
          busy={busy}
          onConfirm={cancel}
          onCancel={() => setCanceling(null)}
        >
          <p>
            The {plural(canceling.counts.pending, "change", "changes")} not yet made will stop, and{" "}
            <strong>{plural(canceling.counts.pending, "credit", "credits")}</strong> will go back to your balance.
          </p>
          {canceling.counts.done > 0 ? (
            <p className="muted">
              The {plural(canceling.counts.done, "change", "changes")} already made stay in Results for you to review;
              their credits are not refunded.
            </p>
          ) : null}
        </Confirm>
      ) : null}
    </div>
  );
}
