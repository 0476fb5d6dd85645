import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { FIELD_LABEL, when } from "../config";
import { useApp } from "../context";
import { languageName, rich, t } from "../i18n";
import type { Job } from "../types";
import { Confirm, EmptyCard, Loaded, Notice, Progress, StatusBadge } from "../ui";
import { useApi } from "../useApi";

const ACTIVE = new Set(["PENDING", "RUNNING"]);

export function jobSummary(job: Job): string {
  const fields = job.attributes.map((a) => FIELD_LABEL[a] ?? a).join(t("list.separator"));
  return `${fields} · ${languageName(job.target_lang)}`;
}

export function Queue() {
  const { go, refreshMe } = useApp();
  const jobs = useApi<{ jobs: Job[] }>("/api/jobs?limit=30", { poll: 2500 });
  const [canceling, setCanceling] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  // A job that left the queue may have refunded credits: the balance in the top bar follows.
  const activeCount = jobs.data?.jobs.filter((j) => ACTIVE.has(j.status)).length ?? 0;
  const lastActive = useRef(0);
  useEffect(() => {
    if (activeCount < lastActive.current) refreshMe();
    lastActive.current = activeCount;
  }, [activeCount, refreshMe]);

  const cancel = async () => {
    if (!canceling) return;
    setBusy(true);
    try {
      const res = await api<{ credits_refunded: number }>(`/api/jobs/${canceling.id}/cancel`, { method: "POST" });
      setMessage(t("queue.canceled", { id: String(canceling.id), count: res.credits_refunded }));
      refreshMe();
      jobs.reload();
    } catch (e) {
      setMessage(t("queue.cancelError", { error: messageOf(e) }));
    } finally {
      setBusy(false);
      setCanceling(null);
    }
  };

  return (
    <div>
      <PageHead
        title={t("queue.title")}
        intro={t("queue.intro")}
        action={
          <button type="button" className="btn primary" onClick={() => go("optimise")}>
            {t("queue.newJob")}
          </button>
        }
      />
      {message ? <Notice kind="info">{message}</Notice> : null}
      <Loaded state={jobs} loading={t("queue.loading")} error={(error) => t("queue.loadError", { error })}>
        {(data) => (
          <>
            <ActiveJobs jobs={data.jobs.filter((j) => ACTIVE.has(j.status))} onCancel={setCanceling} />
            <RecentJobs jobs={data.jobs.filter((j) => !ACTIVE.has(j.status)).slice(0, 5)} />
          </>
        )}
      </Loaded>

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

function ActiveJobs({ jobs, onCancel }: { jobs: Job[]; onCancel: (job: Job) => void }) {
  if (jobs.length === 0) {
    return (
      <EmptyCard title={t("queue.empty")}>
        {rich("queue.emptyHint", { optimise: <TabLink tab="optimise" />, results: <TabLink tab="results" /> })}
      </EmptyCard>
    );
  }
  return (
    <>
      {jobs.map((job) => (
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
            <button type="button" className="btn secondary" onClick={() => onCancel(job)}>
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
    </>
  );
}

function RecentJobs({ jobs }: { jobs: Job[] }) {
  const { go } = useApp();
  if (!jobs.length) return null;
  return (
    <section className="card">
      <h2>{t("queue.recent")}</h2>
      <ul className="plain-list">
        {jobs.map((job) => (
          <li key={job.id}>
            <span>
              {t("queue.job", { id: String(job.id) })} <StatusBadge status={job.status} />{" "}
              <span className="muted small">
                {t("queue.improvedOf", { done: job.counts.done, total: job.counts.total })} · {when(job.finished_at)}
              </span>
            </span>
            <button type="button" className="btn secondary small" onClick={() => go("results", job.id)}>
              {t("queue.review")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
