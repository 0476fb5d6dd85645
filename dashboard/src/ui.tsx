import { useEffect, useRef, type ReactNode } from "react";
import { statusWords, t } from "./i18n";
import type { ApiState } from "./useApi";

export function Loading({ label }: { label: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** The empty state of a whole section, in its own card. */
export function EmptyCard({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className="card">
      <Empty title={title}>{children}</Empty>
    </section>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="notice error" role="alert">
      <span>{message}</span>
      {onRetry ? (
        <button type="button" className="btn secondary small" onClick={onRetry}>
          {t("ui.tryAgain")}
        </button>
      ) : null}
    </div>
  );
}

/**
 * What a screen shows of data it loads: the error (with a retry) above what was loaded before, a
 * spinner until the first answer, the empty state when `isEmpty`, else the data.
 */
export function Loaded<T>(props: {
  state: ApiState<T>;
  loading: string;
  error: (message: string) => string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { data, error, reload } = props.state;
  return (
    <>
      {error ? <ErrorBox message={props.error(error)} onRetry={reload} /> : null}
      {data === null ? (error ? null : <Loading label={props.loading} />) : props.isEmpty?.(data) ? props.empty : props.children(data)}
    </>
  );
}

export function Notice({ kind, children }: { kind: "info" | "success" | "warning" | "error"; children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Confirm(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        // React passes a dialog's cancel on to the dialogs around it: Esc here closes this one only.
        e.stopPropagation();
        props.onCancel();
      }}
    >
      <h2 id="dialog-title">{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" className="btn secondary" onClick={props.onCancel} autoFocus>
          {props.cancelLabel ?? t("ui.keepIt")}
        </button>
        <button
          type="button"
          className={`btn ${props.danger ? "danger" : "primary"}`}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Progress({ done, failed, canceled, total }: { done: number; failed: number; canceled: number; total: number }) {
  const pct = (n: number) => (total ? (100 * n) / total : 0);
  const finished = done + failed + canceled;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={finished}
      aria-label={t("ui.progress", { done: String(finished), total: String(total) })}
    >
      <span className="bar done" style={{ width: `${pct(done)}%` }} />
      <span className="bar failed" style={{ width: `${pct(failed)}%` }} />
      <span className="bar canceled" style={{ width: `${pct(canceled)}%` }} />
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const tones: Record<string, string> = {
    PENDING: "neutral",
    RUNNING: "info",
    DONE: "success",
    DONE_WITH_FAILURES: "warning",
    FAILED: "critical",
    CANCELED: "neutral",
  };
  const tone = tones[status] ?? "neutral";
  return <span className={`badge ${tone}`}>{statusWords(status)}</span>;
}

/** Marks a job automation started (the owner's own jobs carry no mark). */
export function OriginBadge({ origin }: { origin?: string }) {
  return origin === "automation" ? (
    <span className="badge info" data-testid="job-origin">
      {t("queue.automatic")}
    </span>
  ) : null;
}

export function usePolling(fn: () => void, ms: number, active: boolean) {
  const saved = useRef(fn);
  useEffect(() => {
    saved.current = fn;
  });
  useEffect(() => {
    if (!active) return undefined;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}
