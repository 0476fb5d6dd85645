import { useEffect, useRef, useState } from "react";
import { api, ApiError, messageOf } from "../api";
import { FIELD_LABEL, when } from "../config";
import { t, type Key } from "../i18n";
import { plainText } from "../text";
import type { Attribute } from "../types";
import { Confirm, ErrorBox, Loading, Notice } from "../ui";

/** One version of a field, as GET /api/products/{id}/history lists it. */
interface Version {
  kind: "original" | "published" | "reverted" | "restored" | "store";
  value: string;
  log_id: number;
  side: "published" | "replaced";
  at: string | null;
  actor: { kind: string; user_id: string | null } | null;
  job_number: number | null;
}

function shown(value: string, attribute: Attribute): string {
  const text = attribute === "description" ? plainText(value) : value;
  return text || t("ui.empty");
}

/** A "History" button for one field of a product; it opens every version of the field, and any earlier one can be put back. */
export function FieldHistory({ productId, attribute, onRestored }: { productId: string; attribute: Attribute; onRestored?: () => void }) {
  const [open, setOpen] = useState(false);
  const label = FIELD_LABEL[attribute] ?? attribute;
  return (
    <>
      <button type="button" className="btn secondary small" onClick={() => setOpen(true)} data-testid="field-history">
        {t("hist.open")}
      </button>
      {open ? <HistoryPanel productId={productId} attribute={attribute} label={label} onRestored={onRestored} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function HistoryPanel(props: { productId: string; attribute: Attribute; label: string; onRestored?: () => void; onClose: () => void }) {
  const { productId, attribute } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [force, setForce] = useState<{ version: Version; current: string } | null>(null);
  // Putting a version back writes to the live store: it is asked first, like publishing.
  const [asking, setAsking] = useState<Version | null>(null);
  const path = `/api/products/${encodeURIComponent(productId)}/history`;

  const load = () =>
    api<{ fields: { attribute: string; versions: Version[] }[] }>(`${path}?attribute=${attribute}`).then(
      (d) => {
        setVersions(d.fields[0]?.versions ?? []);
        setError(null);
      },
      (e: unknown) => setError(t("hist.loadError", { error: messageOf(e) })),
    );

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const putBack = async (version: Version, forced = false) => {
    setBusy(true);
    setNotice(null);
    try {
      await api(`${path}/revert`, {
        method: "POST",
        body: { attribute, log_id: version.log_id, side: version.side, force: forced },
      });
      setNotice({ kind: "success", text: t("hist.restored", { field: props.label }) });
      await load();
      props.onRestored?.();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.details.reason === "changed_in_store" && typeof e.details.current_value === "string") {
        setForce({ version, current: e.details.current_value });
      } else {
        setNotice({ kind: "error", text: t("hist.restoreFailed", { error: messageOf(e) }) });
      }
    } finally {
      setBusy(false);
    }
  };

  const last = versions ? versions.length - 1 : -1;
  return (
    <dialog
      ref={ref}
      className="dialog field-history"
      aria-labelledby="history-title"
      onCancel={(e) => {
        e.preventDefault();
        if (e.target === e.currentTarget) props.onClose();
      }}
    >
      <h2 id="history-title">{t("hist.title", { field: props.label })}</h2>
      <div className="dialog-body">
        {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
        {error ? <ErrorBox message={error} onRetry={() => void load()} /> : null}
        {!versions && !error ? <Loading label={t("hist.loading")} /> : null}
        {versions && versions.length === 0 ? <p className="muted">{t("hist.none")}</p> : null}
        {versions && versions.length > 0 ? (
          <ol className="history-versions">
            {versions.map((v, i) => (
              <li key={`${v.log_id}-${v.side}-${i}`} className={i === last ? "current" : ""} data-testid="history-version">
                <div className="version-head">
                  <strong>{t(`hist.kind.${v.kind}` as Key)}</strong>
                  <span className="muted small">
                    {v.at ? when(v.at) : ""}
                    {v.actor ? ` · ${v.actor.user_id ? t("hist.byUser", { user: v.actor.user_id }) : t(`hist.actor.${v.actor.kind}` as Key)}` : ""}
                    {v.job_number ? ` · ${t("hist.fromJob", { number: v.job_number })}` : ""}
                  </span>
                  <span className="grow" />
                  {i === last ? (
                    <span className="badge info">{t("hist.latest")}</span>
                  ) : (
                    <button type="button" className="btn secondary small" disabled={busy} onClick={() => setAsking(v)}>
                      {t("hist.putBack")}
                    </button>
                  )}
                </div>
                <div className="version-value" dir="auto">{shown(v.value, attribute)}</div>
              </li>
            ))}
          </ol>
        ) : null}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn secondary" onClick={props.onClose} autoFocus>
          {t("hist.close")}
        </button>
      </div>
      {asking ? (
        <Confirm
          title={t("hist.confirmTitle")}
          confirmLabel={t("hist.confirmGo")}
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const version = asking;
            setAsking(null);
            void putBack(version);
          }}
        >
          <p>{t("hist.confirmBody", { field: props.label })}</p>
          <blockquote dir="auto" data-testid="history-confirm-value">{shown(asking.value, attribute)}</blockquote>
        </Confirm>
      ) : null}
      {force ? (
        <Confirm
          title={t("ui.valueChanged")}
          confirmLabel={t("ui.putBack")}
          cancelLabel={t("ui.leaveIt")}
          danger
          onCancel={() => setForce(null)}
          onConfirm={() => {
            const { version } = force;
            setForce(null);
            void putBack(version, true);
          }}
        >
          <p>{t("hist.changedInStore")}</p>
          <blockquote dir="auto">{shown(force.current, attribute)}</blockquote>
        </Confirm>
      ) : null}
    </dialog>
  );
}
