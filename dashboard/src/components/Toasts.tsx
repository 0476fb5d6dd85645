import { useEffect } from "react";
import type { Toast } from "../context";
import { t } from "../i18n";

/** How long a toast stays: long enough to read it and reach its button. */
const SHOWN_MS = 10_000;

function ToastItem({ toast, onDismiss }: { toast: Toast & { id: number }; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = window.setTimeout(() => onDismiss(toast.id), SHOWN_MS);
    return () => window.clearTimeout(timer);
  }, [toast.id, onDismiss]);
  return (
    <div className={`toast${toast.error ? " error" : ""}`} data-testid="toast">
      <span className="toast-text">{toast.text}</span>
      {toast.action ? (
        <button
          type="button"
          className="link"
          onClick={() => {
            onDismiss(toast.id);
            toast.action?.run();
          }}
        >
          {toast.action.label}
        </button>
      ) : null}
      <button type="button" className="toast-close" aria-label={t("notice.dismiss")} onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

/** The dashboard's own toasts (inside Shopify the admin shows App Bridge's instead). */
export function Toasts({ toasts, onDismiss }: { toasts: (Toast & { id: number })[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

