import { useCallback, useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";
import { FIELD_LABEL, LANGUAGES, when } from "../config";
import { rich, t } from "../i18n";
import type { Shared } from "../App";
import type { Job } from "../types";
import { Confirm, Empty, ErrorBox, Loading, Notice, Progress, StatusBadge, usePolling } from "../ui";

const ACTIVE = new Set(["PENDING", "RUNNING"]);

export function jobSummary(job: Job): string {
  const fields = job.attributes.map((a) => FIELD_LABEL[a] ?? a).join(t("list.separator"));
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
      .catch((e) => setError(t("queue.loadError", { error: messageOf(e) })));
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
      setMessage(t("queue.canceled", { id: String(canceling.id), count: res.credits_refunded }));
      shared.refreshMe();
      load();
    } catch (e) {
      setMessage(t("queue.cancelError", { error: messageOf(e) }));
    } finally {
      setBusy(false);
      setCanceling(null);
    }
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>{t("queue.title")}</h1>
          <p className="muted">{t("queue.intro")}</p>
        </div>
        <button type="button" className="btn primary" onClick={() => shared.go("optimise")}>
          {t("queue.newJob")}
        </button>
      </div>
      {message ? <Notice kind="info">{message}</Notice> : null}
      {error ? <ErrorBox message={error} onRetry={load} /> : null}
      {jobs === null && !error ? <Loading label={t("queue.loading")} /> : null}
      {jobs !== null && jobs.length === 0 ? (
        <section className="card">
          <Empty title={t("queue.empty")}>
            {rich("queue.emptyHint", {
              optimise: (
                <button type="button" className="link" onClick={() => shared.go("optimise")}>
                  {t("tab.optimise")}
                </button>
              ),
              results: (
                <button type="button" className="link" onClick={() => shared.go("results")}>
                  {t("tab.results")}
                </button>
              ),
            })}
          </Empty>
        </section>
      ) : null}
      {jobs?.map((job) => (
        <section className="card job" key={job.id} aria-label={t("queue.jobAria", { id: String(job.id) })} data-testid="queue-job">
          <div className="job-head">
            <div>
              <h2>
                {t("queue.job", { id: String(job.id) })} <StatusBadge status={job.status} />
              </h2>
              <div className="muted small">
                {t("count.changes", { count: job.counts.total })} · {jobSummary(job)} ·{" "}
                {t("queue.started", { date: when(job.created_at) })}
              </div>
            </div>
            <button type="button" className="btn secondary" onClick={() => setCanceling(job)}>
              {t("queue.cancelJob")}
            </button>
          </div>
          <Progress done={job.counts.done} failed={job.counts.failed} canceled={job.counts.canceled} total={job.counts.total} />
          <div className="legend small">
            <span><i className="dot done" /> {t("queue.done", { count: job.counts.done })}</span>
            <span><i className="dot failed" /> {t("queue.failed", { count: job.counts.failed })}</span>
            <span><i className="dot pending" /> {t("queue.waiting", { count: job.counts.pending })}</span>
          </div>
        </section>
      ))}

      {recent.length ? (
        <section className="card">
          <h2>{t("queue.recent")}</h2>
          <ul className="plain-list">
            {recent.map((job) => (
              <li key={job.id}>
                <span>
                  {t("queue.job", { id: String(job.id) })} <StatusBadge status={job.status} />{" "}
                  <span className="muted small">
                    {t("queue.improvedOf", { done: job.counts.done, total: job.counts.total })} · {when(job.finished_at)}
                  </span>
                </span>
                <button type="button" className="btn secondary small" onClick={() => shared.go("results", job.id)}>
                  {t("queue.review")}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {canceling ? (
        <Confirm
          title={t("queue.confirmTitle", { id: String(canceling.id) })}
          confirmLabel={t("queue.confirmOk")}
          cancelLabel={t("queue.keepRunning")}
          danger
          busy={busy}
          onConfirm={cancel}
          onCancel={() => setCanceling(null)}
        >
          <p>
            {rich("queue.confirmStop", {
              changes: t("count.changes", { count: canceling.counts.pending }),
              credits: <strong>{t("queue.confirmCredits", { count: canceling.counts.pending })}</strong>,
            })}
          </p>
          {canceling.counts.done > 0 ? (
            <p className="muted">
              {t("queue.confirmDone", { changes: t("count.changes", { count: canceling.counts.done }) })}
            </p>
          ) : null}
        </Confirm>
      ) : null}
    </div>
  );
}
