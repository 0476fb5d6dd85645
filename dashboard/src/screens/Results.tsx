import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, ApiError, messageOf } from "../api";
import { ImageAltCompare } from "../components/ImageAltCompare";
import { FieldHistory } from "../components/FieldHistory";
import { JobFiles } from "../components/JobFiles";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { FIELD_LABEL, fieldLimit, fmt, when } from "../config";
import { failureReason, inSentence, rich, t, type Key } from "../i18n";
import type { Item, Job, PublishLog, PublishOutcome } from "../types";
import { diffWords, plainText, safeHtml, type Piece } from "../text";
import { Confirm, Empty, EmptyCard, ErrorBox, Loaded, Loading, Notice, Progress, StatusBadge, usePolling } from "../ui";
import { useApi } from "../useApi";
import { jobSummary } from "./Queue";
import { QualityBadge } from "../components/QualityBadge";

const OUTCOMES = new Set(["published", "already_published", "in_progress", "not_ready", "not_found", "error"]);

function outcomeWords(status: string): string {
  return OUTCOMES.has(status) ? t(`outcome.${status}` as Key) : status;
}

export function Results({ jobId, setJobId }: { jobId: number | null; setJobId: (id: number) => void }) {
  const history = useApi<{ jobs: Job[] }>("/api/jobs?limit=50");
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
                      {t("queue.job", { id: String(j.id) })} <StatusBadge status={j.status} />
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

interface JobState {
  job: Job;
  /** The job's status and counters: its items are read again only when these move. */
  key: string;
  items?: Item[];
  logs?: PublishLog[];
}

/** The job; all its items unless its counters are still `seenKey`; the store's recent publish logs when `withLogs`. */
async function fetchJob(jobId: number, seenKey: string, withLogs: boolean, signal?: AbortSignal): Promise<JobState> {
  const job = await api<Job>(`/api/jobs/${jobId}`, { signal });
  const c = job.counts;
  const key = `${job.status}:${c.done}:${c.failed}:${c.canceled}`;
  let items: Item[] | undefined;
  if (key !== seenKey || withLogs) {
    items = [];
    let after = 0;
    for (;;) {
      const page = await api<{ items: Item[]; next_after: number | null }>(
        `/api/jobs/${jobId}/items?limit=1000&after=${after}`,
        { signal },
      );
      items.push(...page.items);
      if (!page.next_after) break;
      after = page.next_after;
    }
  }
  const logs = withLogs ? (await api<{ logs: PublishLog[] }>("/api/publish-logs?limit=200", { signal })).logs : undefined;
  return { job, key, items, logs };
}

function JobResults({ jobId, onChanged }: { jobId: number; onChanged: () => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [items, setItems] = useState<Item[] | null>(null);
  const [logs, setLogs] = useState<PublishLog[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [outcomes, setOutcomes] = useState<Map<number, PublishOutcome>>(new Map());
  const [publishing, setPublishing] = useState(false);
  const [notice, setNotice] = useState<{ kind: "success" | "error" | "info"; text: string } | null>(null);
  const [forceRevert, setForceRevert] = useState<{ log: PublishLog; current: string } | null>(null);

  // Requests still in flight when the owner opens another job are dropped with this component.
  const alive = useRef<AbortController | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    alive.current = controller;
    return () => controller.abort();
  }, []);

  const seen = useRef<string>("");
  const load = useCallback(
    (withLogs = true): Promise<void> => {
      const signal = alive.current?.signal;
      return fetchJob(jobId, seen.current, withLogs, signal).then(
        (state) => {
          seen.current = state.key;
          setJob(state.job);
          if (state.items) setItems(state.items);
          if (state.logs) setLogs(state.logs);
          setError(null);
        },
        (e: unknown) => {
          if (!signal?.aborted) setError(t("res.loadError", { error: messageOf(e) }));
        },
      );
    },
    [jobId],
  );

  useEffect(() => {
    void load();
  }, [load]);
  const active = !!job && (job.status === "PENDING" || job.status === "RUNNING");
  usePolling(() => void load(false), 2500, active);
  const status = job?.status;
  useEffect(() => {
    if (status && status !== "PENDING" && status !== "RUNNING") onChanged();
  }, [status, onChanged]);

  const liveLog = useMemo(() => {
    const map = new Map<number, PublishLog>();
    for (const log of logs) if (log.item_id !== null && !log.reverted_at && !map.has(log.item_id)) map.set(log.item_id, log);
    return map;
  }, [logs]);

  const groups = useMemo(() => {
    const byProduct = new Map<string, { title: string; items: Item[] }>();
    for (const item of items ?? []) {
      const g = byProduct.get(item.product_id) ?? { title: item.product_title || t("ui.untitledProduct"), items: [] };
      g.items.push(item);
      byProduct.set(item.product_id, g);
    }
    return [...byProduct.entries()];
  }, [items]);

  const publishable = (items ?? []).filter((i) => i.status === "DONE" && !i.published_at);

  const publish = async (ids: number[]) => {
    if (!ids.length) return;
    setPublishing(true);
    setNotice(null);
    try {
      const res = await api<{ results: PublishOutcome[]; counts: Record<string, number> }>("/api/publish", {
        method: "POST",
        body: { item_ids: ids },
      });
      const next = new Map(outcomes);
      res.results.forEach((o) => next.set(o.item_id, o));
      setOutcomes(next);
      const ok = (res.counts.published ?? 0) + (res.counts.already_published ?? 0);
      const bad = ids.length - ok;
      setNotice(
        bad
          ? {
              kind: "error",
              text: t("res.publishMixed", {
                published: t("res.publishedPart", { count: ok }),
                notPublished: t("res.notPublishedPart", { count: bad }),
              }),
            }
          : { kind: "success", text: t("res.publishedAll", { count: ok }) },
      );
      setSelected(new Set());
      await load();
    } catch (e) {
      setNotice({ kind: "error", text: t("res.nothingPublished", { error: messageOf(e) }) });
    } finally {
      setPublishing(false);
    }
  };

  const revert = async (log: PublishLog, force = false) => {
    setNotice(null);
    try {
      await api(`/api/publish-logs/${log.id}/revert`, { method: "POST", body: force ? { force: true } : {} });
      const next = new Map(outcomes);
      if (log.item_id !== null) next.delete(log.item_id);
      setOutcomes(next);
      setNotice({ kind: "success", text: t("res.reverted", { field: FIELD_LABEL[log.attribute] }) });
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.details.current_value === "string") {
        setForceRevert({ log, current: e.details.current_value });
      } else {
        setNotice({ kind: "error", text: t("ui.revertFailed", { error: messageOf(e) }) });
      }
    }
  };

  const onEdited = (updated: Item) => setItems((items ?? []).map((i) => (i.id === updated.id ? updated : i)));

  if (error) return <ErrorBox message={error} onRetry={() => void load()} />;
  if (!job || !items) return <Loading label={t("res.loading")} />;

  const allSelected = publishable.length > 0 && publishable.every((i) => selected.has(i.id));

  return (
    <section className="job-results" aria-labelledby="job-title">
      <div className="card">
        <div className="job-head">
          <div>
            <h2 id="job-title">
              {t("queue.job", { id: String(job.id) })} <StatusBadge status={job.status} />
            </h2>
            <div className="muted small">
              {jobSummary(job)} · {t("res.creditsUsed", { count: job.credits_charged - job.credits_refunded })} ·{" "}
              {when(job.created_at)}
            </div>
          </div>
        </div>
        {active ? (
          <>
            <Progress done={job.counts.done} failed={job.counts.failed} canceled={job.counts.canceled} total={job.counts.total} />
            <p className="muted small">
              {t("res.progress", { done: job.counts.done, total: job.counts.total })}
            </p>
          </>
        ) : null}
        <div className="toolbar">
          <label className="check-row">
            <input
              type="checkbox"
              checked={allSelected}
              disabled={!publishable.length}
              onChange={() => setSelected(allSelected ? new Set() : new Set(publishable.map((i) => i.id)))}
            />
            {t("res.selectAll", { count: publishable.length })}
          </label>
          <div className="toolbar-actions">
            <button
              type="button"
              className="btn secondary"
              disabled={!selected.size || publishing}
              onClick={() => void publish([...selected])}
            >
              {t("res.publishSelected", { count: selected.size })}
            </button>
            <button
              type="button"
              className="btn primary"
              disabled={!publishable.length || publishing}
              onClick={() => void publish(publishable.map((i) => i.id))}
            >
              {publishing ? t("res.publishing") : t("res.publishAll")}
            </button>
          </div>
        </div>
        <JobFiles jobId={job.id} jobNumber={job.number ?? job.id} onImported={() => void load()} />
        {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      </div>

      {groups.length === 0 ? (
        <div className="card">
          <Empty title={t("res.noChanges")} />
        </div>
      ) : null}

      {groups.map(([productId, group]) => (
        <article className="card product-card" key={productId} aria-label={group.title} data-testid="product-result">
          <h3>{group.title}</h3>
          {group.items.map((item) => (
            <ItemRow
              key={item.id}
              item={item}
              checked={selected.has(item.id)}
              onCheck={() => {
                const next = new Set(selected);
                if (next.has(item.id)) next.delete(item.id);
                else next.add(item.id);
                setSelected(next);
              }}
              outcome={outcomes.get(item.id)}
              log={liveLog.get(item.id)}
              onEdited={onEdited}
              onRevert={(log) => void revert(log)}
            />
          ))}
        </article>
      ))}

      {forceRevert ? (
        <Confirm
          title={t("ui.valueChanged")}
          confirmLabel={t("ui.putBack")}
          cancelLabel={t("ui.leaveIt")}
          danger
          onCancel={() => setForceRevert(null)}
          onConfirm={() => {
            const { log } = forceRevert;
            setForceRevert(null);
            void revert(log, true);
          }}
        >
          <p>{t("res.someoneEdited", { field: inSentence(FIELD_LABEL[forceRevert.log.attribute]) })}</p>
          <blockquote>{plainText(forceRevert.current) || t("ui.empty")}</blockquote>
          <p>{t("res.revertExplain")}</p>
        </Confirm>
      ) : null}
    </section>
  );
}

function Count({ value, limit, attribute }: { value: string; limit: number | null; attribute: string }) {
  const n = attribute === "description" ? plainText(value).length : value.length;
  const over = limit !== null && n > limit;
  return (
    <span className={`count${over ? " over" : ""}`} title={limit ? t("res.searchEngines", { count: limit }) : undefined}>
      {limit !== null ? `${fmt(n)} / ${limit}` : t("count.characters", { count: n })}
      {over ? t("res.tooLong") : ""}
    </span>
  );
}

function Pieces({ pieces }: { pieces: Piece[] }) {
  return (
    <>
      {pieces.map((p, i) =>
        p.kind === "same" ? (
          <span key={i}>{p.text}</span>
        ) : p.kind === "added" ? (
          <ins key={i}>{p.text}</ins>
        ) : (
          <del key={i}>{p.text}</del>
        ),
      )}
    </>
  );
}

function ItemRow(props: {
  item: Item;
  checked: boolean;
  onCheck: () => void;
  outcome: PublishOutcome | undefined;
  log: PublishLog | undefined;
  onEdited: (item: Item) => void;
  onRevert: (log: PublishLog) => void;
}) {
  const { item, outcome, log } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(item.after ?? "");
  const [saving, setSaving] = useState(false);
  const [editError, setEditError] = useState<string | null>(null);
  const [reverting, setReverting] = useState(false);
  const label = FIELD_LABEL[item.attribute] ?? item.attribute;
  const limit = fieldLimit(item.attribute);
  const isHtml = item.attribute === "description";
  const before = item.before ?? "";
  const after = item.after ?? "";
  const diff = useMemo(
    () => (isHtml ? diffWords(plainText(before), plainText(after)) : diffWords(before, after)),
    [before, after, isHtml],
  );
  const canPublish = item.status === "DONE" && !item.published_at;

  const save = async () => {
    setSaving(true);
    setEditError(null);
    try {
      const res = await api<{ after: string; review_state: string }>(`/api/items/${item.id}`, {
        method: "PATCH",
        body: { after: draft },
      });
      props.onEdited({ ...item, after: res.after, review_state: res.review_state });
      setEditing(false);
    } catch (e) {
      setEditError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };

  let status: ReactNode;
  if (item.status === "FAILED") status = <span className="badge critical">{t("res.couldNotImprove")}</span>;
  else if (item.status === "CANCELED") status = <span className="badge neutral">{t("res.canceled")}</span>;
  else if (item.status === "PENDING" || item.status === "RUNNING") status = <span className="badge info">{t("res.working")}</span>;
  else if (item.published_at) status = <span className="badge success">{t("res.published")}</span>;
  else if (item.review_state === "EDITED") status = <span className="badge info">{t("res.edited")}</span>;
  else status = <span className="badge neutral">{t("res.ready")}</span>;

  return (
    <div className={`item-row${props.checked ? " selected" : ""}`} data-testid="item-row" data-attribute={item.attribute}>
      <div className="item-head">
        <label className="check-row">
          {canPublish ? (
            <input type="checkbox" checked={props.checked} onChange={props.onCheck} aria-label={t("res.selectField", { field: label })} />
          ) : (
            <span className="check-spacer" />
          )}
          <strong>{label}</strong>
        </label>
        {status}
        <QualityBadge quality={item.quality} />
        {outcome && outcome.status !== "published" ? (
          <span className={`outcome ${outcome.status === "already_published" ? "" : "bad"}`} role="status">
            {outcomeWords(outcome.status)}
            {outcome.message ? `: ${outcome.message}` : ""}
          </span>
        ) : outcome ? (
          <span className="outcome good" role="status">
            {outcomeWords("published")}
          </span>
        ) : null}
        <span className="grow" />
        {canPublish && !editing ? (
          <button type="button" className="btn secondary small" onClick={() => { setDraft(after); setEditing(true); }}>
            {t("res.edit")}
          </button>
        ) : null}
        {log ? (
          <button
            type="button"
            className="btn secondary small"
            disabled={reverting}
            onClick={() => {
              setReverting(true);
              Promise.resolve(props.onRevert(log)).finally(() => setReverting(false));
            }}
          >
            {t("ui.revert")}
          </button>
        ) : null}
        <FieldHistory productId={item.product_id} attribute={item.attribute} />
      </div>
      {item.status === "FAILED" ? (
        <p className="error-text">
          {item.error ? t("res.failedWhy", { error: failureReason(item.reason, item.error) }) : t("res.failed")} {t("res.refunded")}
        </p>
      ) : null}
      <ImageAltCompare item={item} />
      <div className="compare">
        <div className="side before">
          <div className="side-head">
            <span>{t("res.before")}</span>
            <Count value={before} limit={limit} attribute={item.attribute} />
          </div>
          <div className="text">{before ? <Pieces pieces={diff.before} /> : <em className="muted">{t("res.emptyValue")}</em>}</div>
        </div>
        <div className="side after">
          <div className="side-head">
            <span>{t("res.after")}</span>
            {item.model && item.status === "DONE" ? (
              <span className="model-name" data-testid="item-model">{t("res.writtenBy", { model: item.model })}</span>
            ) : null}
            <Count value={editing ? draft : after} limit={limit} attribute={item.attribute} />
          </div>
          {editing ? (
            <div className="editor">
              <label className="sr-only" htmlFor={`edit-${item.id}`}>
                {t("res.newValue", { field: inSentence(label) })}
              </label>
              <textarea
                id={`edit-${item.id}`}
                rows={isHtml ? 6 : 2}
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                autoFocus
              />
              {editError ? <p className="error-text" role="alert">{editError}</p> : null}
              <div className="editor-actions">
                <button type="button" className="btn secondary small" onClick={() => setEditing(false)}>
                  {t("res.cancel")}
                </button>
                <button type="button" className="btn primary small" disabled={saving || !draft.trim()} onClick={() => void save()}>
                  {saving ? t("ui.saving") : t("res.save")}
                </button>
              </div>
            </div>
          ) : (
            <div className="text">{after ? <Pieces pieces={diff.after} /> : <em className="muted">{t("res.notReady")}</em>}</div>
          )}
        </div>
      </div>
      {isHtml && after && !editing ? (
        <details className="html-view">
          <summary>{t("res.preview")}</summary>
          <div className="compare">
            <div className="side">
              <div className="side-head"><span>{t("res.shoppersSee")}</span></div>
              <div className="rendered" dangerouslySetInnerHTML={{ __html: safeHtml(after) }} />
            </div>
            <div className="side">
              <div className="side-head"><span>{t("res.html")}</span></div>
              <pre className="code">{after}</pre>
            </div>
          </div>
        </details>
      ) : null}
    </div>
  );
}
