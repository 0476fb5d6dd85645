import { useEffect } from "react";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { when } from "../config";
import { jobName } from "../jobText";
import { rich, t } from "../i18n";
import { EmptyCard, Loaded, OriginBadge, StatusBadge } from "../ui";
import { useApi } from "../useApi";
import { JobResults } from "./results/JobResults";
import type { ReviewJob } from "./results/model";

export function Results({ jobId, setJobId }: { jobId: number | null; setJobId: (id: number) => void }) {
  const history = useApi<{ jobs: ReviewJob[] }>("/api/jobs?limit=50");
  const newest = history.data?.jobs[0]?.id;

  useEffect(() => {
    if (jobId === null && newest !== undefined) setJobId(newest);
  }, [jobId, newest, setJobId]);

  return (
    <div>
      <PageHead title={t("res.title")} intro={t("res.intro")} />
      <Loaded
        state={history}
        loading={t("res.loadingHistory")}
        error={(error) => t("res.historyError", { error })}
        isEmpty={(d) => d.jobs.length === 0}
        empty={
          <EmptyCard title={t("res.empty")}>
            {rich("res.emptyHint", { start: <TabLink tab="optimise" label={t("res.startFirst")} /> })}
          </EmptyCard>
        }
      >
        {({ jobs }) => (
        <div className="results-layout">
          <nav className="card history" aria-label={t("res.history")}>
            <h2>{t("res.history")}</h2>
            <ul>
              {jobs.map((j) => (
                <li key={j.id}>
                  <button
                    type="button"
                    className={`history-item${j.id === jobId ? " active" : ""}`}
                    aria-current={j.id === jobId ? "true" : undefined}
                    onClick={() => setJobId(j.id)}
                  >
                    <span className="history-title">
                      {jobName(j)} <StatusBadge status={j.status} /> <OriginBadge origin={j.origin} />
                    </span>
                    <span className="muted small">
                      {t("count.changes", { count: j.counts.total })} · {when(j.created_at)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          {jobId !== null ? <JobResults key={jobId} jobId={jobId} onChanged={history.reload} /> : null}
        </div>
        )}
      </Loaded>
    </div>
  );
}
