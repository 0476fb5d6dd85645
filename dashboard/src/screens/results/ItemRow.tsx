import { lazy, Suspense, useMemo, useState, type ReactNode } from "react";
import { FieldHistory } from "../../components/FieldHistory";
import { ImageAltCompare } from "../../components/ImageAltCompare";
import { QualityBadge } from "../../components/QualityBadge";
import { FIELD_LABEL, fmt } from "../../config";
import { failureReason, inSentence, t, type Key } from "../../i18n";
import type { PublishLog, PublishOutcome } from "../../types";
import {
  decidable,
  editable,
  flagsOf,
  maxLength,
  regenerable,
  viewOf,
  type ReviewItem,
  type View,
} from "./model";
import { factMarks, factWords } from "./facts";
import { markHtml, markPieces, plainDiff, renderedDiff, safeRendered, visibleText, type Piece } from "./richtext";

const RichEditor = lazy(() => import("./RichEditor"));

const BADGE: Record<View, { tone: string; key: Key }> = {
  working: { tone: "info", key: "res.working" },
  ready: { tone: "info", key: "res.ready" },
  flagged: { tone: "warning", key: "res.flagged" },
  accepted: { tone: "success", key: "res.accepted" },
  edited: { tone: "info", key: "res.edited" },
  published: { tone: "success", key: "res.published" },
  refused: { tone: "warning", key: "res.refused" },
  rejected: { tone: "neutral", key: "res.rejected" },
  no_change: { tone: "neutral", key: "res.noChange" },
  canceled: { tone: "neutral", key: "res.canceled" },
};

const OUTCOMES = new Set(["published", "already_published", "in_progress", "not_ready", "not_found", "error", "rejected", "no_change", "needs_review", "below_score"]);

function outcomeWords(status: string): string {
  return t((OUTCOMES.has(status) ? `outcome.${status}` : "outcome.error") as Key);
}

/** A field's length as the server counts it: a description's visible text, a plain field's collapsed text. */
export function lengthOf(attribute: string, value: string): number {
  return attribute === "description" ? visibleText(value).length : value.split(/\s+/).filter(Boolean).join(" ").length;
}

function Count({ n, limit, attribute }: { n: number; limit: number; attribute: string }) {
  const over = n > limit;
  // A description's cap only guards against runaway text: its limit is shown once it is near.
  const showLimit = attribute !== "description" || n > limit * 0.8;
  return (
    <span className={`count${over ? " over" : ""}`} data-testid="count">
      {showLimit ? `${fmt(n)} / ${fmt(limit)}` : t("count.characters", { count: n })}
      {over ? ` — ${t("res.overBy", { count: n - limit })}` : ""}
    </span>
  );
}

function Pieces({ pieces }: { pieces: Piece[] }) {
  return (
    <>
      {pieces.map((p, i) => {
        const words =
          p.kind === "same" ? <span key={i}>{p.text}</span> : p.kind === "added" ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>;
        return p.mark ? (
          <mark key={i} data-fact={p.mark.code} title={p.mark.title}>
            {words}
          </mark>
        ) : (
          words
        );
      })}
    </>
  );
}

function Kbd({ k }: { k: string }) {
  return (
    <kbd className="key-hint" aria-hidden="true">
      {k}
    </kbd>
  );
}

export interface RowActions {
  onCheck: () => void;
  onFocus: () => void;
  setDraft: (value: string | undefined) => void;
  onSave: () => Promise<void>;
  onDecide: (decision: "accept" | "reject" | "reset") => void;
  setRegenerating: (open: boolean) => void;
  onRegenerate: (note: string) => Promise<void>;
  onRevert: (log: PublishLog) => void;
}

export function ItemRow(props: {
  item: ReviewItem;
  selectable: boolean;
  checked: boolean;
  current: boolean;
  draft: string | undefined;
  saving: boolean;
  saveError: string | null;
  regenerating: boolean;
  busy: boolean;
  outcome: PublishOutcome | undefined;
  log: PublishLog | undefined;
  actions: RowActions;
}) {
  const { item, draft, actions } = props;
  const view = viewOf(item);
  const label = FIELD_LABEL[item.attribute] ?? item.attribute;
  const isHtml = item.attribute === "description";
  const before = item.before ?? "";
  const after = item.after ?? "";
  const editing = draft !== undefined;
  const limit = maxLength(item.attribute);
  const [note, setNote] = useState("");
  const [regenError, setRegenError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  // The facts the product data does not state, marked where the draft says them.
  const marks = useMemo(() => factMarks(item.fact_flags, after, isHtml), [item.fact_flags, after, isHtml]);
  const diff = useMemo(() => {
    if (view === "no_change" || !after) return null;
    if (isHtml) return { html: renderedDiff(before, markHtml(after, marks)) };
    const plain = plainDiff(before, after);
    return { plain: { before: plain.before, after: markPieces(plain.after, marks) } };
  }, [before, after, isHtml, view, marks]);
  const factSentences = factWords(item.fact_flags, isHtml);
  const otherFlags = flagsOf(item).filter((f) => !(item.fact_flags ?? []).some((ff) => ff.message === f));

  const draftLength = editing ? lengthOf(item.attribute, draft) : 0;
  const canSave = editing && !props.saving && draftLength > 0 && draftLength <= limit && draft !== after;

  const badge = BADGE[view];
  let outcome: ReactNode = null;
  if (props.outcome) {
    const ok = props.outcome.status === "published" || props.outcome.status === "already_published";
    outcome = (
      <span className={`outcome ${ok ? "good" : "bad"}`} role="status">
        {outcomeWords(props.outcome.status)}
        {!ok && props.outcome.message ? `: ${props.outcome.message}` : ""}
      </span>
    );
  }

  const accepted = view === "accepted";
  const rejected = view === "rejected";

  const regenerate = async () => {
    setSending(true);
    setRegenError(null);
    try {
      await actions.onRegenerate(note.trim());
      setNote("");
    } catch (e) {
      setRegenError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <div
      className={`item-row state-${view}${props.checked ? " selected" : ""}${props.current ? " current" : ""}`}
      data-testid="item-row"
      data-attribute={item.attribute}
      data-state={view}
      id={`item-${item.id}`}
      tabIndex={-1}
      aria-label={`${label}: ${t(badge.key)}`}
      onFocus={(e) => {
        if (e.target === e.currentTarget || !props.current) actions.onFocus();
      }}
    >
      <div className="item-head">
        <label className="check-row">
          {props.selectable ? (
            <input
              type="checkbox"
              checked={props.checked}
              onChange={actions.onCheck}
              aria-label={t("res.selectField", { field: inSentence(label) })}
              aria-keyshortcuts="x"
            />
          ) : (
            <span className="check-spacer" />
          )}
          <strong>{label}</strong>
        </label>
        <span className={`badge ${badge.tone}`} data-testid="item-state">
          {t(badge.key)}
        </span>
        <QualityBadge quality={item.quality} />
        {outcome}
        <span className="grow" />
        <div className="row-actions">
          {decidable(item) ? (
            <>
              <button
                type="button"
                className={`btn small ${accepted ? "primary" : "secondary"}`}
                aria-pressed={accepted}
                aria-keyshortcuts="a"
                disabled={props.busy}
                onClick={() => actions.onDecide(accepted ? "reset" : "accept")}
              >
                {t(accepted ? "res.acceptedBtn" : "res.accept")} <Kbd k="A" />
              </button>
              <button
                type="button"
                className={`btn small secondary${rejected ? " pressed" : ""}`}
                aria-pressed={rejected}
                aria-keyshortcuts="r"
                disabled={props.busy}
                onClick={() => actions.onDecide(rejected ? "reset" : "reject")}
              >
                {t(rejected ? "res.rejectedBtn" : "res.reject")} <Kbd k="R" />
              </button>
            </>
          ) : null}
          {editable(item) && !editing ? (
            <button
              type="button"
              className="btn small secondary"
              aria-keyshortcuts="e"
              onClick={() => actions.setDraft(view === "no_change" ? before : after)}
            >
              {t("res.edit")} <Kbd k="E" />
            </button>
          ) : null}
          {regenerable(item) && !props.regenerating && !editing ? (
            <button type="button" className="btn small secondary" aria-keyshortcuts="g" onClick={() => actions.setRegenerating(true)}>
              {t("res.regenerate")} <Kbd k="G" />
            </button>
          ) : null}
          {props.log ? (
            <button type="button" className="btn small secondary" disabled={props.busy} onClick={() => actions.onRevert(props.log as PublishLog)}>
              {t("ui.revert")}
            </button>
          ) : null}
          <FieldHistory productId={item.product_id} attribute={item.attribute} />
        </div>
      </div>

      {view === "refused" ? (
        <p className="refused-text">
          {item.error ? t("res.failedWhy", { error: failureReason(item.reason, item.error) }) : t("res.failed")} {t("res.refunded")}
        </p>
      ) : null}
      {view === "working" && item.note ? <p className="muted small">{t("res.regeneratingWith", { note: item.note })}</p> : null}
      {flagsOf(item).length && (view === "flagged" || view === "accepted" || view === "edited") ? (
        <div className="flags" data-testid="flags">
          <strong>{t("res.checkThis")}</strong>
          <ul>
            {[...factSentences, ...otherFlags].map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
          {view === "flagged" ? <p className="small">{t("res.flaggedHint")}</p> : null}
        </div>
      ) : null}

      {item.attribute === "image_alt" ? (
        <>
          {view === "no_change" ? <p className="no-change-note">{t("res.noChangeNote")}</p> : null}
          <ImageAltCompare item={item} />
        </>
      ) : view === "no_change" && !editing ? (
        <div className="no-change" data-testid="no-change">
          <p className="no-change-note">{t("res.noChangeNote")}</p>
          <div className="side current-value">
            <div className="side-head">
              <span>{t("res.current")}</span>
            </div>
            {isHtml ? (
              <div className="text rendered" dir="auto" dangerouslySetInnerHTML={{ __html: safeRendered(before) }} />
            ) : (
              <div className="text" dir="auto">
                {before}
              </div>
            )}
          </div>
        </div>
      ) : (
        <div className="compare">
          <div className="side before">
            <div className="side-head">
              <span>{t("res.before")}</span>
              <Count n={lengthOf(item.attribute, before)} limit={limit} attribute={item.attribute} />
            </div>
            {!before ? (
              <em className="muted">{t("res.emptyValue")}</em>
            ) : diff?.html ? (
              <div className="text rendered" dir="auto" dangerouslySetInnerHTML={{ __html: diff.html.before }} />
            ) : diff?.plain ? (
              <div className="text" dir="auto">
                <Pieces pieces={diff.plain.before} />
              </div>
            ) : isHtml ? (
              <div className="text rendered" dir="auto" dangerouslySetInnerHTML={{ __html: safeRendered(before) }} />
            ) : (
              <div className="text" dir="auto">
                {before}
              </div>
            )}
          </div>
          <div className="side after">
            <div className="side-head">
              <span>{t("res.after")}</span>
              {item.model && item.status === "DONE" ? (
                <span className="model-name" data-testid="item-model">
                  {t("res.writtenBy", { model: item.model })}
                </span>
              ) : null}
              <Count n={editing ? draftLength : lengthOf(item.attribute, after)} limit={limit} attribute={item.attribute} />
            </div>
            {editing ? null : diff?.html ? (
              <div className="text rendered" dir="auto" dangerouslySetInnerHTML={{ __html: diff.html.after }} />
            ) : diff?.plain ? (
              <div className="text" dir="auto">
                <Pieces pieces={diff.plain.after} />
              </div>
            ) : (
              <em className="muted">{view === "working" ? t("res.working") : t("res.notReady")}</em>
            )}
          </div>
        </div>
      )}

      {editing ? (
        <div
          className="editor"
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            e.preventDefault();
            actions.setDraft(undefined);
            document.getElementById(`item-${item.id}`)?.focus();
          }}
        >
          {isHtml ? (
            <Suspense fallback={<p className="muted">{t("res.loadingEditor")}</p>}>
              <RichEditor value={draft} label={t("res.newValue", { field: inSentence(label) })} onChange={(v) => actions.setDraft(v)} />
            </Suspense>
          ) : (
            <>
              <label className="sr-only" htmlFor={`edit-${item.id}`}>
                {t("res.newValue", { field: inSentence(label) })}
              </label>
              <textarea
                id={`edit-${item.id}`}
                rows={2}
                dir="auto"
                value={draft}
                onChange={(e) => actions.setDraft(e.target.value)}
                aria-describedby={`count-${item.id}`}
                autoFocus
              />
            </>
          )}
          <div className="editor-foot">
            <span id={`count-${item.id}`} className="muted small">
              <Count n={draftLength} limit={limit} attribute={item.attribute} />
            </span>
            {draftLength > limit ? (
              <span className="error-text" role="status">
                {t("res.shortenToSave", { count: limit })}
              </span>
            ) : null}
            <span className="grow" />
            <button type="button" className="btn secondary small" onClick={() => actions.setDraft(undefined)}>
              {t("res.cancel")}
            </button>
            <button type="button" className="btn primary small" disabled={!canSave} onClick={() => void actions.onSave()}>
              {props.saving ? t("ui.saving") : t("res.save")}
            </button>
          </div>
          {props.saveError ? (
            <p className="error-text" role="alert">
              {props.saveError}
            </p>
          ) : null}
        </div>
      ) : null}

      {props.regenerating ? (
        <form
          className="regen-form"
          onSubmit={(e) => {
            e.preventDefault();
            void regenerate();
          }}
        >
          <label className="field">
            <span>{t("res.regenNote")}</span>
            <input
              type="text"
              value={note}
              maxLength={200}
              placeholder={t("res.regenPlaceholder")}
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => {
                if (e.key !== "Escape") return;
                actions.setRegenerating(false);
                document.getElementById(`item-${item.id}`)?.focus();
              }}
              autoFocus
            />
          </label>
          <p className="muted small">{t("res.regenCost")}</p>
          {regenError ? (
            <p className="error-text" role="alert">
              {regenError}
            </p>
          ) : null}
          <div className="editor-actions">
            <button type="button" className="btn secondary small" onClick={() => actions.setRegenerating(false)}>
              {t("res.cancel")}
            </button>
            <button type="submit" className="btn primary small" disabled={sending}>
              {sending ? t("res.regenSending") : t("res.regenGo")}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
