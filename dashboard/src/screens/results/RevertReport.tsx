import { useState } from "react";
import { messageOf } from "../../api";
import { FIELD_LABEL } from "../../config";
import { t } from "../../i18n";
import type { ChangedLog, FailedLog } from "./api";
import { Dialog } from "./Dialog";
import { visibleText } from "./richtext";

export interface Report {
  changed: ChangedLog[];
  failed: FailedLog[];
  reverted: number;
}

/**
 * What a revert left alone: fields someone changed in the store after the app published them (each
 * with what it reads now and "Put back anyway"), and fields the store refused.
 */
export function RevertReport(props: { report: Report; onPutBack: (log: ChangedLog) => Promise<void>; onClose: () => void }) {
  const { report } = props;
  const [done, setDone] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState<number | null>(null);
  const [errors, setErrors] = useState<Map<number, string>>(new Map());

  const putBack = async (log: ChangedLog) => {
    setBusy(log.id);
    try {
      await props.onPutBack(log);
      setDone((d) => new Set(d).add(log.id));
    } catch (e) {
      setErrors((m) => new Map(m).set(log.id, messageOf(e)));
    } finally {
      setBusy(null);
    }
  };

  const field = (log: { attribute: string }) => FIELD_LABEL[log.attribute as keyof typeof FIELD_LABEL] ?? log.attribute;
  const shown = (log: { attribute: string }, value: string | null) =>
    (log.attribute === "description" ? visibleText(value ?? "") : (value ?? "")) || t("ui.empty");

  return (
    <Dialog
      title={t("res.reportTitle")}
      onCancel={props.onClose}
      wide
      testId="revert-report"
      actions={
        <button type="button" className="btn primary" onClick={props.onClose} autoFocus>
          {t("res.reportDone")}
        </button>
      }
    >
      {report.reverted ? <p>{t("res.revertedCount", { count: report.reverted })}</p> : null}
      {report.changed.length ? (
        <>
          <p>{t("res.reportChanged", { count: report.changed.length })}</p>
          <ul className="report-list">
            {report.changed.map((log) => (
              <li key={log.id} data-testid="changed-in-store">
                <div>
                  <strong dir="auto">{log.product_title || t("ui.untitledProduct")}</strong> · {field(log)}
                </div>
                <div className="small">
                  <span className="muted">{t("res.reportNow")}</span> <span dir="auto">{shown(log, log.current_value)}</span>
                </div>
                <div className="small">
                  <span className="muted">{t("res.reportBefore")}</span> <span dir="auto">{shown(log, log.old_value)}</span>
                </div>
                {done.has(log.id) ? (
                  <span className="outcome good" role="status">
                    {t("res.putBackDone")}
                  </span>
                ) : (
                  <button type="button" className="btn secondary small" disabled={busy !== null} onClick={() => void putBack(log)}>
                    {busy === log.id ? t("res.reverting") : t("res.putBackAnyway")}
                  </button>
                )}
                {errors.get(log.id) ? (
                  <p className="error-text" role="alert">
                    {errors.get(log.id)}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {report.failed.length ? (
        <>
          <p>{t("res.reportFailed", { count: report.failed.length })}</p>
          <ul className="report-list">
            {report.failed.map((log) => (
              <li key={log.id}>
                <strong dir="auto">{log.product_title || t("ui.untitledProduct")}</strong> · {field(log)}: {log.error}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Dialog>
  );
}
