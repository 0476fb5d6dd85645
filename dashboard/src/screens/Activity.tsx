import { useState, type ReactNode } from "react";
import { api, ApiError, messageOf } from "../api";
import { FieldHistory } from "../components/FieldHistory";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { FIELD_LABEL, when } from "../config";
import { useApp } from "../context";
import { inSentence, rich, t, type Key } from "../i18n";
import { jobName } from "../jobText";
import type { ActivityEntry, ActivityPage, ActorKind } from "../types";
import { plainText } from "../text";
import { Confirm, EmptyCard, Loaded, Notice } from "../ui";
import { useApi } from "../useApi";
import { revertJob, revertLog, type ChangedLog } from "./results/api";
import { RevertReport, type Report } from "./results/RevertReport";

type Filter = "all" | ActorKind;
const FILTERS: readonly Filter[] = ["all", "owner", "automation", "webhook"];
const PAGE = 50;

function short(value: string | null, attribute: string): string {
  const text = attribute === "description" ? plainText(value ?? "") : (value ?? "");
  if (!text) return t("ui.empty");
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function count(entry: ActivityEntry, key: string): number {
  const value = entry.detail[key];
  return typeof value === "number" ? value : 0;
}

/** What the entry says was done, as a sentence whose job and product are shown as such. */
function What({ entry }: { entry: ActivityEntry }) {
  const { go } = useApp();
  const job =
    entry.job_id !== null ? (
      <button type="button" className="link" onClick={() => go("results", entry.job_id ?? undefined)}>
        {jobName({ id: entry.job_id, number: entry.job_number ?? undefined })}
      </button>
    ) : null;
  const change = entry.change;
  const attribute = change?.attribute ?? (typeof entry.detail.attribute === "string" ? entry.detail.attribute : null);
  const field = attribute ? inSentence(FIELD_LABEL[attribute as keyof typeof FIELD_LABEL] ?? attribute) : "";
  const product = (
    <strong dir="auto">{change?.product_title || entry.product_id || t("ui.untitledProduct")}</strong>
  );
  let said: ReactNode[];
  switch (entry.action) {
    case "job_created":
      said = rich("act.do.job_created", { job: job ?? "", count: count(entry, "products") });
      break;
    case "published":
    case "reverted":
    case "restored":
      said = rich(`act.do.${entry.action}`, { field, product });
      break;
    case "product_changed":
      // One entry per product the platform reported; `changes` counts its deliveries.
      said =
        entry.detail.created === true
          ? rich("act.do.productCreated", { product })
          : rich("act.do.productChanged", { product, count: Math.max(1, count(entry, "changes")) });
      break;
    case "products_queued":
      said = rich("act.do.products_queued", { job: job ?? "", count: count(entry, "products") });
      break;
    case "sweep":
      said = rich("act.do.sweep", { count: count(entry, "products") });
      break;
    case "cap_reached":
      said = rich("act.do.cap_reached", { cap: count(entry, "cap") });
      break;
    case "automation_changed":
      said = [t("act.do.automation_changed")];
      break;
    default:
      said = [t("act.do.other", { action: entry.action })];
  }
  const jobInSentence = entry.action === "job_created" || entry.action === "products_queued";
  return (
    <>
      {said}
      {job && !jobInSentence ? (
        <div className="muted small">{rich("act.fromJob", { job })}</div>
      ) : null}
    </>
  );
}

/** The value the entry took away and the one it left, when it is about a publish log entry. */
function Change({ entry }: { entry: ActivityEntry }) {
  const change = entry.change;
  if (!change) return null;
  const [from, to] = entry.action === "reverted" ? [change.new_value, change.old_value] : [change.old_value, change.new_value];
  return (
    <>
      <div className="from" dir="auto">{short(from, change.attribute)}</div>
      <div className="to" dir="auto">{short(to, change.attribute)}</div>
    </>
  );
}

export function Activity() {
  const [filter, setFilter] = useState<Filter>("all");
  const path = `/api/activity?limit=${PAGE}${filter === "all" ? "" : `&actor=${filter}`}`;
  const first = useApi<ActivityPage>(path);
  // Pages loaded with "Load more", kept only while they follow the first page they were loaded after.
  const [more, setMore] = useState<{ after: ActivityPage; entries: ActivityEntry[]; next: number | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [notice, setNotice] = useState<{ kind: "success" | "info" | "error"; text: string } | null>(null);
  const [force, setForce] = useState<{ entry: ActivityEntry; current: string } | null>(null);
  const [jobToRevert, setJobToRevert] = useState<ActivityEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);

  const extra = more && more.after === first.data ? more : null;
  const next = extra ? extra.next : (first.data?.next_before ?? null);

  const loadMore = async () => {
    const after = first.data;
    if (!after || next === null) return;
    setLoadingMore(true);
    try {
      const page = await api<ActivityPage>(`${path}&before=${next}`);
      setMore({ after, entries: [...(extra?.entries ?? []), ...page.entries], next: page.next_before });
    } catch (e) {
      setNotice({ kind: "error", text: t("act.loadMoreError", { error: messageOf(e) }) });
    } finally {
      setLoadingMore(false);
    }
  };

  const revert = async (entry: ActivityEntry, forced = false) => {
    const change = entry.change;
    if (entry.publish_log_id === null || !change) return;
    setNotice(null);
    try {
      await revertLog(entry.publish_log_id, forced);
      setNotice({ kind: "success", text: t("act.reverted", { field: FIELD_LABEL[change.attribute] }) });
      first.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.details.current_value === "string") {
        setForce({ entry, current: e.details.current_value });
      } else {
        setNotice({ kind: "error", text: t("ui.revertFailed", { error: messageOf(e) }) });
      }
    }
  };

  const revertAutomatedJob = async (entry: ActivityEntry) => {
    if (entry.job_id === null) return;
    setBusy(true);
    setNotice(null);
    try {
      const result = await revertJob(entry.job_id);
      const n = result.reverted.length;
      if (n) setNotice({ kind: "success", text: t("res.revertedCount", { count: n }) });
      else if (!result.changed_in_store.length && !result.failed.length) setNotice({ kind: "info", text: t("act.nothingToRevert") });
      if (result.changed_in_store.length || result.failed.length) {
        setReport({ changed: result.changed_in_store, failed: result.failed, reverted: n });
      }
      first.reload();
    } catch (e) {
      setNotice({ kind: "error", text: t("ui.revertFailed", { error: messageOf(e) }) });
    } finally {
      setBusy(false);
      setJobToRevert(null);
    }
  };

  const putBack = async (log: ChangedLog) => {
    await revertLog(log.id, true);
    first.reload();
  };

  return (
    <div>
      <PageHead title={t("act.title")} intro={t("act.intro")} />
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <div className="toolbar activity-filter">
        <div className="segmented" role="radiogroup" aria-label={t("act.filter")}>
          {FILTERS.map((f) => (
            <label key={f} className={filter === f ? "on" : ""}>
              <input type="radio" name="activity-actor" checked={filter === f} onChange={() => setFilter(f)} />
              {t(`act.filter.${f}` as Key)}
            </label>
          ))}
        </div>
      </div>
      <Loaded
        state={first}
        loading={t("act.loading")}
        error={(error) => t("act.loadError", { error })}
        isEmpty={(d) => d.entries.length === 0}
        empty={
          filter === "all" ? (
            <EmptyCard title={t("act.empty")}>{rich("act.emptyHint", { results: <TabLink tab="results" /> })}</EmptyCard>
          ) : (
            <EmptyCard title={t(`act.emptyFor.${filter}` as Key)} />
          )
        }
      >
        {(d) => (
          <section className="card flush" aria-busy={first.loading}>
            <table className="table activity">
              <thead>
                <tr>
                  <th>{t("act.when")}</th>
                  <th>{t("act.who")}</th>
                  <th>{t("act.what")}</th>
                  <th>{t("act.change")}</th>
                  <th>
                    <span className="sr-only">{t("act.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...d.entries, ...(extra?.entries ?? [])].map((entry) => {
                  const reverted = !!entry.change?.reverted_at && entry.action !== "reverted";
                  return (
                    <tr
                      key={entry.id}
                      className={reverted ? "reverted" : ""}
                      data-testid="activity-entry"
                      data-action={entry.action}
                      data-actor={entry.actor.kind}
                    >
                      <td className="nowrap when" data-label={t("act.when")}>
                        {when(entry.at)}
                      </td>
                      <td className="nowrap who" data-label={t("act.who")}>
                        <span className={`actor ${entry.actor.kind}`}>{t(`act.actor.${entry.actor.kind}` as Key)}</span>
                      </td>
                      <td className="what" data-label={t("act.what")}>
                        <What entry={entry} />
                      </td>
                      <td className="change" data-label={t("act.change")}>
                        <Change entry={entry} />
                      </td>
                      <td className="nowrap actions-cell">
                        {entry.change && entry.product_id ? (
                          <FieldHistory productId={entry.product_id} attribute={entry.change.attribute} onRestored={first.reload} />
                        ) : null}
                        {entry.revertible ? (
                          <button type="button" className="btn secondary small" onClick={() => void revert(entry)}>
                            {t("ui.revert")}
                          </button>
                        ) : reverted && entry.change?.reverted_at ? (
                          <span className="badge neutral" title={t("act.revertedAt", { date: when(entry.change.reverted_at) })}>
                            {t("act.revertedBadge")}
                          </span>
                        ) : null}
                        {entry.job_revertible ? (
                          <button type="button" className="btn secondary small" onClick={() => setJobToRevert(entry)}>
                            {t("act.revertJob")}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {next !== null ? (
              <div className="load-more">
                <button type="button" className="btn secondary" disabled={loadingMore} onClick={() => void loadMore()}>
                  {loadingMore ? t("act.loadingMore") : t("act.loadMore")}
                </button>
              </div>
            ) : null}
          </section>
        )}
      </Loaded>
      {force ? (
        <Confirm
          title={t("ui.valueChanged")}
          confirmLabel={t("ui.putBack")}
          cancelLabel={t("ui.leaveIt")}
          danger
          onCancel={() => setForce(null)}
          onConfirm={() => {
            const { entry } = force;
            setForce(null);
            void revert(entry, true);
          }}
        >
          <p>{t("act.someoneEdited")}</p>
          <blockquote dir="auto">{short(force.current, force.entry.change?.attribute ?? "")}</blockquote>
        </Confirm>
      ) : null}
      {jobToRevert && jobToRevert.job_id !== null ? (
        <Confirm
          title={t("act.confirmRevertJobTitle")}
          confirmLabel={t("ui.revert")}
          danger
          busy={busy}
          onCancel={() => setJobToRevert(null)}
          onConfirm={() => void revertAutomatedJob(jobToRevert)}
        >
          <p>
            {t("act.confirmRevertJobBody", {
              job: jobName({ id: jobToRevert.job_id, number: jobToRevert.job_number ?? undefined }),
            })}
          </p>
          <p className="muted">{t("res.revertChangedNote")}</p>
        </Confirm>
      ) : null}
      {report ? <RevertReport report={report} onPutBack={putBack} onClose={() => setReport(null)} /> : null}
    </div>
  );
}
