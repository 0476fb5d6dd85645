import { useState } from "react";
import { messageOf } from "../api";
import { download } from "../files";
import { t } from "../i18n";
import { Notice } from "../ui";

/** The catalog audit (each product and the fields it lacks) as CSV or Excel. */
export function AuditExport() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (kind: "csv" | "xlsx") => {
    setBusy(true);
    setError(null);
    try {
      await download(`/api/catalog/audit.${kind}`, `catalog-audit.${kind}`);
    } catch (e) {
      setError(t("files.exportFailed", { error: messageOf(e) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="audit-export" data-testid="audit-export">
      <span className="muted small">{t("files.audit")}</span>
      <button type="button" className="btn secondary small" disabled={busy} onClick={() => void save("csv")}>
        {t("files.exportCsv")}
      </button>
      <button type="button" className="btn secondary small" disabled={busy} onClick={() => void save("xlsx")}>
        {t("files.exportXlsx")}
      </button>
      {error ? <Notice kind="error">{error}</Notice> : null}
    </div>
  );
}
