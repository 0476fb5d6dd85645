import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, messageOf } from "../../api";
import { FIELD_LABEL, fmt, when } from "../../config";
import { JobFiles } from "../../components/JobFiles";
import { shopifyToast } from "../../host/shopify";
import { useApp } from "../../context";
import { t, type Key } from "../../i18n";
import { jobLanguage, jobTitle } from "../../jobText";
import type { Attribute, PublishLog, PublishOutcome } from "../../types";
import { Empty, ErrorBox, Loading, Notice, Progress, StatusBadge, usePolling } from "../../ui";
import * as requests from "./api";
import { Dialog } from "./Dialog";
import { ItemRow } from "./ItemRow";
import { KEY_LIST, useReviewKeys, type ReviewKey } from "./keys";
import {
  decidable,
  editable,
  groupByProduct,
  inState,
  liveLogs,
  matches,
  publishable,
  regenerable,
  shownValue,
  spread,
  STATE_FILTERS,
  viewOf,
  type ReviewItem,
  type ReviewJob,
  type StateFilter,
} from "./model";
import { ProductCard, previewValues } from "./ProductCard";
import { normaliseTitle } from "./GooglePreview";
import { RevertReport, type Report } from "./RevertReport";

const PRODUCTS_PAGE = 30;

const FILTER_LABEL: Record<StateFilter, Key> = {
  ready: "res.filter.ready",
  flagged: "res.filter.flagged",
  edited: "res.filter.edited",
  published: "res.filter.published",
  refused: "res.filter.refused",
  rejected: "res.filter.rejected",
  no_change: "res.filter.no_change",
};

const KEY_WORDS: Record<ReviewKey, Key> = {
  next: "keys.next",
  previous: "keys.previous",
  accept: "keys.accept",
  reject: "keys.reject",
  edit: "keys.edit",
  regenerate: "keys.regenerate",
  select: "keys.select",
  help: "keys.help",
};

type Message = { kind: "success" | "error" | "info"; text: string };
type Pending =
  | { kind: "publish"; ids: number[]; all: boolean }
  | { kind: "revert-job"; fields: number; products: number }
  | { kind: "revert-selection"; logIds: number[]; products: number };

function toggled<T>(set: ReadonlySet<T>, value: T): Set<T> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

export function JobResults({ jobId, onChanged }: { jobId: number; onChanged: () => void }) {
  const { refreshMe } = useApp();
  const [job, setJob] = useState<ReviewJob | null>(null);
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [logs, setLogs] = useState<PublishLog[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [states, setStates] = useState<Set<StateFilter>>(new Set());
  const [fields, setFields] = useState<Set<Attribute>>(new Set());
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [shownProducts, setShownProducts] = useState(PRODUCTS_PAGE);
  const [current, setCurrent] = useState<number | null>(null);
  const [drafts, setDrafts] = useState<Map<number, string>>(new Map());
  const [saving, setSaving] = useState<number | null>(null);
  const [saveErrors, setSaveErrors] = useState<Map<number, string>>(new Map());
  const [regenOpen, setRegenOpen] = useState<number | null>(null);
  const [busy, setBusy] = useState<Set<number>>(new Set());
  const [outcomes, setOutcomes] = useState<Map<number, PublishOutcome>>(new Map());
  const [message, setMessage] = useState<Message | null>(null);
  // Inside Shopify the admin's toast says what went well; errors stay on the page, beside the work.
  const say = useCallback((next: Message) => {
    if (next.kind !== "error" && shopifyToast(next.text)) setMessage(null);
    else setMessage(next);
  }, []);
  const [pending, setPending] = useState<Pending | null>(null);
  const [working, setWorking] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [help, setHelp] = useState(false);

  // Requests still in flight when the owner opens another job are dropped with this component.
  const alive = useRef<AbortController | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    alive.current = controller;
    return () => controller.abort();
  }, []);

  const seen = useRef("");
  const load = useCallback(
    async (opts: { logs?: boolean; force?: boolean } = {}): Promise<void> => {
      const signal = alive.current?.signal;
      try {
        const state = await requests.fetchJob(jobId, seen.current, opts.force ?? false, signal);
        seen.current = state.key;
        setJob(state.job);
        if (state.items) setItems(state.items);
        if (opts.logs) setLogs(await requests.fetchLogs(state.job.created_at, signal));
        setError(null);
      } catch (e) {
        if (!signal?.aborted) setError(t("res.loadError", { error: messageOf(e) }));
      }
    },
    [jobId],
  );
  useEffect(() => {
    void load({ logs: true, force: true });
  }, [load]);

  const anyWorking = (items ?? []).some((i) => viewOf(i) === "working");
  const active = !!job && (job.status === "PENDING" || job.status === "RUNNING");
  usePolling(() => void load({ force: anyWorking && !active }), 2500, active || anyWorking);
  const status = job?.status;
  useEffect(() => {
    if (status && status !== "PENDING" && status !== "RUNNING") onChanged();
  }, [status, onChanged]);

  const liveLog = useMemo(() => liveLogs(logs), [logs]);
  const groups = useMemo(() => groupByProduct(items ?? [], t("ui.untitledProduct")), [items]);
  const filters = useMemo(() => ({ states, fields }), [states, fields]);
  const visibleGroups = useMemo(
    () =>
      groups
        .map((g) => ({ group: g, items: g.items.filter((i) => matches(i, filters)) }))
        .filter((g) => g.items.length > 0),
    [groups, filters],
  );
  const shownGroups = visibleGroups.slice(0, shownProducts);
  const order = useMemo(() => shownGroups.flatMap((g) => g.items.map((i) => i.id)), [shownGroups]);
  const byId = useMemo(() => new Map((items ?? []).map((i) => [i.id, i])), [items]);

  const all = items ?? [];
  const toPublish = all.filter(publishable);
  const published = all.filter((i) => viewOf(i) === "published");
  const selectable = (i: ReviewItem) => publishable(i) || (viewOf(i) === "published" && liveLog.has(i.id));
  const selectedItems = [...selected].map((id) => byId.get(id)).filter((i): i is ReviewItem => !!i);
  const selectedToPublish = selectedItems.filter(publishable);
  const selectedLogs = selectedItems.filter((i) => viewOf(i) === "published").map((i) => liveLog.get(i.id)).filter((l): l is PublishLog => !!l);
  const shownSelectable = visibleGroups.flatMap((g) => g.items).filter(selectable);
  const allShownSelected = shownSelectable.length > 0 && shownSelectable.every((i) => selected.has(i.id));

  const seoTitleCount = useMemo(() => {
    const counts = new Map<string, number>();
    for (const g of groups) {
      const item = g.items.find((i) => i.attribute === "seo_title");
      const v = item ? normaliseTitle(shownValue(item, drafts.get(item.id))) : "";
      if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return counts;
  }, [groups, drafts]);

  const replace = useCallback((updated: ReviewItem) => {
    setItems((list) => (list ?? []).map((i) => (i.id === updated.id ? { ...i, ...updated } : i)));
    if (!publishable(updated) && viewOf(updated) !== "published") {
      setSelected((s) => {
        if (!s.has(updated.id)) return s;
        const next = new Set(s);
        next.delete(updated.id);
        return next;
      });
    }
  }, []);

  const setBusyFor = (id: number, on: boolean) => setBusy((b) => (on ? new Set(b).add(id) : new Set([...b].filter((x) => x !== id))));

  const setDraft = useCallback((id: number, value: string | undefined) => {
    setDrafts((d) => {
      const next = new Map(d);
      if (value === undefined) next.delete(id);
      else next.set(id, value);
      return next;
    });
    if (value === undefined) setSaveErrors((m) => (m.has(id) ? new Map([...m].filter(([k]) => k !== id)) : m));
  }, []);

  const decide = async (item: ReviewItem, decision: "accept" | "reject" | "reset") => {
    setBusyFor(item.id, true);
    try {
      replace(await requests.review(item.id, decision));
    } catch (e) {
      say({ kind: "error", text: t("res.decisionFailed", { error: messageOf(e) }) });
    } finally {
      setBusyFor(item.id, false);
    }
  };

  const save = async (item: ReviewItem) => {
    const draft = drafts.get(item.id);
    if (draft === undefined) return;
    setSaving(item.id);
    try {
      const res = await requests.saveEdit(item.id, draft);
      replace({ ...item, after: res.after, review_state: res.review_state });
      setDraft(item.id, undefined);
      document.getElementById(`item-${item.id}`)?.focus();
    } catch (e) {
      setSaveErrors((m) => new Map(m).set(item.id, messageOf(e)));
    } finally {
      setSaving(null);
    }
  };

  const regenerate = async (item: ReviewItem, note: string) => {
    try {
      replace(await requests.regenerate(item.id, note));
      setRegenOpen(null);
      document.getElementById(`item-${item.id}`)?.focus();
      refreshMe();
      say({ kind: "info", text: t("res.regenStarted") });
    } catch (e) {
      if (e instanceof ApiError && e.status === 402) throw new Error(t("res.regenNoCredits"), { cause: e });
      throw new Error(messageOf(e), { cause: e });
    }
  };

  const showRevert = (result: requests.RevertResult) => {
    const n = result.reverted.length;
    if (n) say({ kind: "success", text: t("res.revertedCount", { count: n }) });
    if (result.changed_in_store.length || result.failed.length) {
      setReport({ changed: result.changed_in_store, failed: result.failed, reverted: n });
    }
  };

  const revertOne = async (log: PublishLog) => {
    if (log.item_id !== null) setBusyFor(log.item_id, true);
    setMessage(null);
    try {
      await requests.revertLog(log.id);
      say({ kind: "success", text: t("res.reverted", { field: FIELD_LABEL[log.attribute] }) });
      await load({ logs: true, force: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.details.current_value === "string") {
        setReport({ changed: [{ ...log, current_value: e.details.current_value }], failed: [], reverted: 0 });
      } else {
        say({ kind: "error", text: t("ui.revertFailed", { error: messageOf(e) }) });
      }
    } finally {
      if (log.item_id !== null) setBusyFor(log.item_id, false);
    }
  };

  const confirmPending = async () => {
    if (!pending || !job) return;
    setWorking(true);
    setMessage(null);
    try {
      if (pending.kind === "publish") {
        const results = await requests.publish(pending.ids);
        setOutcomes((m) => {
          const next = new Map(m);
          results.forEach((o) => next.set(o.item_id, o));
          return next;
        });
        const ok = results.filter((o) => o.status === "published" || o.status === "already_published").length;
        const bad = results.length - ok;
        say(
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
      } else if (pending.kind === "revert-job") {
        showRevert(await requests.revertJob(job.id));
        setSelected(new Set());
      } else {
        showRevert(await requests.revertLogs(pending.logIds));
        setSelected(new Set());
      }
      setPending(null);
      await load({ logs: true, force: true });
    } catch (e) {
      setPending(null);
      say({
        kind: "error",
        text: t(pending.kind === "publish" ? "res.nothingPublished" : "ui.revertFailed", { error: messageOf(e) }),
      });
    } finally {
      setWorking(false);
    }
  };

  const putBack = async (log: requests.ChangedLog) => {
    await requests.revertLog(log.id, true);
    await load({ logs: true, force: true });
  };

  // Keyboard review.
  useEffect(() => {
    if (current === null) return;
    const el = document.getElementById(`item-${current}`);
    if (el && !el.contains(document.activeElement)) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest" });
    }
  }, [current]);

  const move = (step: number) => {
    if (!order.length) return;
    const at = current === null ? -1 : order.indexOf(current);
    let next = at === -1 ? (step > 0 ? 0 : order.length - 1) : at + step;
    if (next >= order.length) {
      if (shownProducts < visibleGroups.length) setShownProducts((n) => n + PRODUCTS_PAGE);
      next = order.length - 1;
    }
    next = Math.max(0, next);
    const id = order[next];
    const item = byId.get(id);
    if (item && collapsed.has(item.product_id)) setCollapsed((c) => toggled(c, item.product_id));
    setCurrent(id);
  };

  const onKey = (key: ReviewKey) => {
    if (key === "help") return setHelp(true);
    if (key === "next") return move(1);
    if (key === "previous") return move(-1);
    const item = current === null ? undefined : byId.get(current);
    if (!item) return move(1);
    if (key === "accept" && decidable(item)) void decide(item, viewOf(item) === "accepted" ? "reset" : "accept");
    if (key === "reject" && decidable(item)) void decide(item, viewOf(item) === "rejected" ? "reset" : "reject");
    if (key === "edit" && editable(item) && !drafts.has(item.id)) setDraft(item.id, viewOf(item) === "no_change" ? (item.before ?? "") : (item.after ?? ""));
    if (key === "regenerate" && regenerable(item)) setRegenOpen(item.id);
    if (key === "select" && selectable(item)) setSelected((s) => toggled(s, item.id));
  };
  useReviewKeys(onKey, !!items && !pending && !report && !help);

  if (error && !job) return <ErrorBox message={error} onRetry={() => void load({ logs: true, force: true })} />;
  if (!job || !items) return <Loading label={t("res.loading")} />;

  const stateCount = (s: StateFilter) => all.filter((i) => inState(i, s) && (!fields.size || fields.has(i.attribute))).length;
  const jobFields = [...new Set(all.map((i) => i.attribute))];
  const publishedSpread = spread(published);
  const pendingSpread = pending?.kind === "publish" ? spread(pending.ids.map((id) => byId.get(id)).filter((i): i is ReviewItem => !!i)) : null;
  const noChange = all.filter((i) => viewOf(i) === "no_change").length;

  return (
    <section className="job-results" aria-labelledby="job-title">
      {error ? <ErrorBox message={error} onRetry={() => void load({ logs: true, force: true })} /> : null}
      <div className="card">
        <div className="job-head">
          <div>
            <h2 id="job-title">
              {jobTitle(job)} <StatusBadge status={job.status} />
            </h2>
            <div className="muted small">
              {jobLanguage(job)} · {t("res.creditsUsed", { count: job.credits_charged - job.credits_refunded })} · {when(job.created_at)}
              {job.brand_voice ? (
                <>
                  {" · "}
                  <span data-testid="job-voice" dir="auto">
                    {t("res.voice", { name: job.brand_voice.name })}
                  </span>
                </>
              ) : null}
            </div>
            {noChange ? (
              <div className="muted small" data-testid="no-change-summary">
                {t("res.noChangeSummary", { count: noChange })}
              </div>
            ) : null}
          </div>
          {published.length ? (
            <button
              type="button"
              className="btn secondary small"
              disabled={working}
              onClick={() => setPending({ kind: "revert-job", fields: publishedSpread.fields, products: publishedSpread.products })}
            >
              {t("res.revertJob")}
            </button>
          ) : null}
        </div>
        {job.items_expired_at ? (
          <p className="muted" data-testid="items-expired">
            {t("res.itemsExpired", { date: when(job.items_expired_at), done: job.counts.done, total: job.counts.total })}
          </p>
        ) : null}
        {active ? (
          <>
            <Progress done={job.counts.done} failed={job.counts.failed} canceled={job.counts.canceled} total={job.counts.total} />
            <p className="muted small">{t("res.progress", { done: job.counts.done, total: job.counts.total })}</p>
          </>
        ) : null}

        <div className="review-filters">
          <div className="chips" role="group" aria-label={t("res.filterState")}>
            <button type="button" className={`chip${states.size ? "" : " on"}`} aria-pressed={!states.size} onClick={() => setStates(new Set())}>
              {t("res.filter.all")} <span className="chip-count">{fmt(all.filter((i) => !fields.size || fields.has(i.attribute)).length)}</span>
            </button>
            {STATE_FILTERS.map((s) => {
              const n = stateCount(s);
              return (
                <button
                  key={s}
                  type="button"
                  className={`chip chip-${s}${states.has(s) ? " on" : ""}`}
                  aria-pressed={states.has(s)}
                  disabled={!n && !states.has(s)}
                  onClick={() => {
                    setStates((c) => toggled(c, s));
                    setShownProducts(PRODUCTS_PAGE);
                  }}
                >
                  {t(FILTER_LABEL[s])} <span className="chip-count">{fmt(n)}</span>
                </button>
              );
            })}
          </div>
          {jobFields.length > 1 ? (
            <div className="chips" role="group" aria-label={t("res.filterField")}>
              {jobFields.map((f) => (
                <button
                  key={f}
                  type="button"
                  className={`chip${fields.has(f) ? " on" : ""}`}
                  aria-pressed={fields.has(f)}
                  onClick={() => {
                    setFields((c) => toggled(c, f));
                    setShownProducts(PRODUCTS_PAGE);
                  }}
                >
                  {FIELD_LABEL[f]}
                </button>
              ))}
            </div>
          ) : null}
          <div className="review-tools">
            <label className="check-row">
              <input
                type="checkbox"
                checked={allShownSelected}
                disabled={!shownSelectable.length}
                onChange={() =>
                  setSelected((s) => {
                    const next = new Set(s);
                    for (const i of shownSelectable) {
                      if (allShownSelected) next.delete(i.id);
                      else next.add(i.id);
                    }
                    return next;
                  })
                }
              />
              <span>{t("res.selectShown", { count: shownSelectable.length })}</span>
            </label>
            <span className="grow" />
            <button type="button" className="btn secondary small" onClick={() => setCollapsed(new Set(groups.map((g) => g.productId)))}>
              {t("res.collapseAll")}
            </button>
            <button type="button" className="btn secondary small" onClick={() => setCollapsed(new Set())}>
              {t("res.expandAll")}
            </button>
          </div>
        </div>
        <JobFiles jobId={job.id} jobNumber={job.number ?? job.id} onImported={() => void load({ force: true })} />
        {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      </div>

      {visibleGroups.length === 0 ? (
        <div className="card">
          <Empty title={groups.length ? t("res.noMatch") : t("res.noChanges")}>
            {groups.length ? (
              <button
                type="button"
                className="link"
                onClick={() => {
                  setStates(new Set());
                  setFields(new Set());
                }}
              >
                {t("res.clearFilters")}
              </button>
            ) : null}
          </Empty>
        </div>
      ) : null}

      {shownGroups.map(({ group, items: shown }) => {
        const preview = previewValues(group, drafts, 0);
        const duplicates = preview.seoTitle ? (seoTitleCount.get(normaliseTitle(preview.seoTitle)) ?? 1) - 1 : 0;
        return (
          <ProductCard
            key={group.productId}
            group={group}
            collapsed={collapsed.has(group.productId)}
            onToggle={() => setCollapsed((c) => toggled(c, group.productId))}
            shown={shown.length}
            preview={{ ...preview, duplicates }}
          >
            {shown.map((item) => (
              <ItemRow
                key={item.id}
                item={item}
                selectable={selectable(item)}
                checked={selected.has(item.id)}
                current={current === item.id}
                draft={drafts.get(item.id)}
                saving={saving === item.id}
                saveError={saveErrors.get(item.id) ?? null}
                regenerating={regenOpen === item.id}
                busy={busy.has(item.id)}
                outcome={outcomes.get(item.id)}
                log={liveLog.get(item.id)}
                actions={{
                  onCheck: () => setSelected((s) => toggled(s, item.id)),
                  onFocus: () => setCurrent(item.id),
                  setDraft: (v) => setDraft(item.id, v),
                  onSave: () => save(item),
                  onDecide: (d) => void decide(item, d),
                  setRegenerating: (open) => setRegenOpen(open ? item.id : null),
                  onRegenerate: (note) => regenerate(item, note),
                  onRevert: (log) => void revertOne(log),
                }}
              />
            ))}
          </ProductCard>
        );
      })}
      {visibleGroups.length > shownProducts ? (
        <button type="button" className="btn secondary wide" onClick={() => setShownProducts((n) => n + PRODUCTS_PAGE)}>
          {t("res.moreProducts", { count: Math.min(PRODUCTS_PAGE, visibleGroups.length - shownProducts) })}
        </button>
      ) : null}

      <div className="review-bar" role="region" aria-label={t("res.barLabel")} data-testid="review-bar">
        <span className="review-count" aria-live="polite">
          {t("res.selectedCount", { count: selected.size })}
        </span>
        <button type="button" className="btn secondary small keys-btn" aria-keyshortcuts="?" onClick={() => setHelp(true)}>
          {t("keys.title")} <kbd className="key-hint" aria-hidden="true">?</kbd>
        </button>
        <span className="grow" />
        {selectedLogs.length ? (
          <button
            type="button"
            className="btn secondary"
            disabled={working}
            onClick={() =>
              setPending({ kind: "revert-selection", logIds: selectedLogs.map((l) => l.id), products: new Set(selectedLogs.map((l) => l.product_id)).size })
            }
          >
            {t("res.revertSelected", { count: selectedLogs.length })}
          </button>
        ) : null}
        <button
          type="button"
          className="btn secondary"
          disabled={!selectedToPublish.length || working}
          onClick={() => setPending({ kind: "publish", ids: selectedToPublish.map((i) => i.id), all: false })}
        >
          {t("res.publishSelected", { count: selectedToPublish.length })}
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={!toPublish.length || working}
          onClick={() => setPending({ kind: "publish", ids: toPublish.map((i) => i.id), all: true })}
        >
          {working && pending?.kind === "publish" ? t("res.publishing") : t("res.publishAllCount", { count: toPublish.length })}
        </button>
      </div>

      {pending ? (
        <Dialog
          title={t(pending.kind === "publish" ? "res.confirmPublishTitle" : pending.kind === "revert-job" ? "res.confirmRevertJobTitle" : "res.confirmRevertTitle")}
          onCancel={() => (working ? undefined : setPending(null))}
          testId="confirm-dialog"
          actions={
            <>
              <button type="button" className="btn secondary" onClick={() => setPending(null)} disabled={working} autoFocus>
                {t("res.cancel")}
              </button>
              <button type="button" className={`btn ${pending.kind === "publish" ? "primary" : "danger"}`} disabled={working} onClick={() => void confirmPending()}>
                {working
                  ? t(pending.kind === "publish" ? "res.publishing" : "res.reverting")
                  : pending.kind === "publish"
                    ? t("res.confirmPublish", { count: pending.ids.length })
                    : t("res.confirmRevert", { count: pending.kind === "revert-job" ? pending.fields : pending.logIds.length })}
              </button>
            </>
          }
        >
          {pending.kind === "publish" ? (
            pendingSpread ? <>
              <p data-testid="confirm-summary">
                {t("res.confirmPublishBody", {
                  fields: t("res.nFields", { count: pendingSpread.fields }),
                  products: t("res.nProducts", { count: pendingSpread.products }),
                })}
              </p>
              {pending.all ? <p className="muted">{t("res.confirmPublishLeftOut")}</p> : null}
              <p className="muted">{t("res.confirmPublishUndo")}</p>
            </> : null
          ) : pending.kind === "revert-job" ? (
            <p data-testid="confirm-summary">
              {t("res.confirmRevertBody", {
                fields: t("res.nFields", { count: pending.fields }),
                products: t("res.nProducts", { count: pending.products }),
              })}
            </p>
          ) : (
            <p data-testid="confirm-summary">
              {t("res.confirmRevertBody", {
                fields: t("res.nFields", { count: pending.logIds.length }),
                products: t("res.nProducts", { count: pending.products }),
              })}
            </p>
          )}
          {pending.kind !== "publish" ? <p className="muted">{t("res.revertChangedNote")}</p> : null}
        </Dialog>
      ) : null}

      {report ? <RevertReport report={report} onPutBack={putBack} onClose={() => setReport(null)} /> : null}

      {help ? (
        <Dialog
          title={t("keys.title")}
          onCancel={() => setHelp(false)}
          testId="keys-dialog"
          actions={
            <button type="button" className="btn primary" onClick={() => setHelp(false)} autoFocus>
              {t("keys.close")}
            </button>
          }
        >
          <dl className="key-list">
            {KEY_LIST.map((k) => (
              <div key={k.action}>
                <dt>
                  {k.keys.map((key) => (
                    <kbd key={key}>{key}</kbd>
                  ))}
                </dt>
                <dd>{t(KEY_WORDS[k.action])}</dd>
              </div>
            ))}
          </dl>
          <p className="muted small">{t("keys.typing")}</p>
        </Dialog>
      ) : null}
    </section>
  );
}
