import { useRef, useState } from "react";
import { messageOf } from "../api";
import { download, upload } from "../files";
import { t, type Key } from "../i18n";
import { Notice } from "../ui";

interface RowOutcome {
  row: number;
  item_id: number | null;
  status: "taken" | "unchanged" | "refused";
  reason: string | null;
}

interface ImportReport {
  rows: RowOutcome[];
  counts: { taken: number; unchanged: number; refused: number };
}

/** Export a job's drafts as CSV or Excel, and import an edited file back, with what became of each row. */
export function JobFiles({ jobId, jobNumber, onImported }: { jobId: number; jobNumber: number; onImported: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);

  const save = async (kind: "csv" | "xlsx") => {
    setError(null);
    try {
      await download(`/api/jobs/${jobId}/export.${kind}`, `job-${jobNumber}.${kind}`);
    } catch (e) {
      setError(t("files.exportFailed", { error: messageOf(e) }));
    }
  };

  const send = async (file: File) => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await upload<ImportReport>(`/api/jobs/${jobId}/import`, file));
      onImported();
    } catch (e) {
      setError(t("files.importFailed", { error: messageOf(e) }));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };

  const refused = report?.rows.filter((r) => r.status === "refused") ?? [];
  // Each row that did something, taken or refused, in the file's order; unchanged rows only count.
  const listed = report?.rows.filter((r) => r.status !== "unchanged") ?? [];
  return (
    <div className="job-files" data-testid="job-files">
      <div className="toolbar-actions">
        <button type="button" className="btn secondary small" onClick={() => void save("csv")}>
          {t("files.exportCsv")}
        </button>
        <button type="button" className="btn secondary small" onClick={() => void save("xlsx")}>
          {t("files.exportXlsx")}
        </button>
        <label className={`btn secondary small${busy ? " disabled" : ""}`}>
          {busy ? t("files.importing") : t("files.import")}
          <input
            ref={input}
            type="file"
            className="sr-only"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void send(file);
            }}
          />
        </label>
      </div>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {report ? (
        <div className="import-report" role="status">
          <Notice kind={refused.length ? "warning" : "success"}>
            {t("files.importDone", {
              taken: t("files.taken", { count: report.counts.taken }),
              unchanged: t("files.unchanged", { count: report.counts.unchanged }),
              refused: t("files.refused", { count: report.counts.refused }),
            })}
          </Notice>
          {listed.length ? (
            <table className="table import-rows">
              <thead>
                <tr>
                  <th>{t("files.row")}</th>
                  <th>{t("files.status")}</th>
                  <th>{t("files.reason")}</th>
                </tr>
              </thead>
              <tbody>
                {listed.map((r) => (
                  <tr key={r.row} data-testid="import-row" data-status={r.status}>
                    <td>{r.row}</td>
                    <td>{t(`files.status.${r.status}` as Key)}</td>
                    <td dir="auto">{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
