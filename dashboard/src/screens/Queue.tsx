import { useEffect, useState } from "react";
import { api, messageOf } from "../api";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { when } from "../config";
import { useApp } from "../context";
import { rich, t } from "../i18n";
import { etaWords, fieldList, jobCovers, jobLanguage, jobName } from "../jobText";
import type { Job } from "../types";
import { Confirm, EmptyCard, Loaded, Notice, OriginBadge, Progress, StatusBadge } from "../ui";

const ACTIVE = new Set(["PENDING", "RUNNING"]);

/** The fields a job improves and the language it writes in: "Title, description · English". */
export function jobSummary(job: Job): string {
  return `${fieldList(job.attributes)} · ${jobLanguage(job)}`;
}

export function Queue() {
  const { go, goTo, route, refreshMe, jobs } = useApp();
  const automationOnly = !!route.automation;
  const [canceling, setCanceling] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  // The list the app watches may be a while old: read it again on arrival (a job just created).
  const { reload } = jobs;
  useEffect(() => reload(), [reload]);

  const cancel = async () => {
    if (!canceling) return;
    setBusy(true);
    try {
      const res = await api<{ credits_refunded: number }>(`/api/jobs/${canceling.id}/cancel`, { method: "POST" });
      setMessage(t("queue.canceled", { job: jobName(canceling), count: res.credits_refunded }));
      refreshMe();
      reload();
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
        {(data) => {
          const shown = automationOnly ? data.jobs.filter((j) => j.origin === "automation") : data.jobs;
          return (
            <>
              {automationOnly || data.jobs.some((j) => j.origin === "automation") ? (
                <div className="chips queue-filter" role="group" aria-label={t("queue.show")}>
                  <button
                    type="button"
                    className={`chip${automationOnly ? "" : " on"}`}
                    aria-pressed={!automationOnly}
                    onClick={() => goTo({ tab: "queue", jobId: null })}
                  >
                    {t("queue.allJobs")}
                  </button>
                  <button
                    type="button"
                    className={`chip${automationOnly ? " on" : ""}`}
                    aria-pressed={automationOnly}
                    onClick={() => goTo({ tab: "queue", jobId: null, automation: true })}
                  >
                    {t("queue.automationJobs")}
                  </button>
                </div>
              ) : null}
              <ActiveJobs jobs={shown.filter((j) => ACTIVE.has(j.status))} onCancel={setCanceling} />
              <RecentJobs
                jobs={shown.filter((j) => !ACTIVE.has(j.status)).slice(0, automationOnly ? 10 : 5)}
              />
            </>
          );
        }}
      </Loaded>

      {canceling ? (
        <Confirm
          title={t("queue.confirmTitle", { job: jobName(canceling) })}
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
      {jobs.map((job) => {
        const eta = etaWords(job.eta_seconds);
        return (
          <section className="card job" key={job.id} aria-label={jobName(job)} data-testid="queue-job">
            <div className="job-head">
              <div className="job-words">
                <h2>
                  {jobName(job)} <StatusBadge status={job.status} /> <OriginBadge origin={job.origin} />
                </h2>
                <div className="job-covers">{jobCovers(job)}</div>
                <div className="muted small">
                  {t("count.changes", { count: job.counts.total })} · {jobLanguage(job)} ·{" "}
                  {t("queue.started", { date: when(job.created_at) })}
                  {eta ? <span data-testid="job-eta"> · {eta}</span> : null}
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
        );
      })}
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
            <span className="job-words">
              <span className="job-line">
                <strong>{jobName(job)}</strong> <StatusBadge status={job.status} /> <OriginBadge origin={job.origin} />
              </span>
              <span className="job-covers small">{jobCovers(job)}</span>
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
