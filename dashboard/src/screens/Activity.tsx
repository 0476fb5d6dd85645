import { useCallback, useEffect, useState } from "react";
import { api, ApiError, messageOf } from "../api";
import { FIELD_LABEL, when } from "../config";
import { rich, t } from "../i18n";
import type { Shared } from "../App";
import type { PublishLog } from "../types";
import { plainText } from "../text";
import { Confirm, Empty, ErrorBox, Loading, Notice } from "../ui";

function short(value: string | null, attribute: string): string {
  const text = attribute === "description" ? plainText(value ?? "") : (value ?? "");
  if (!text) return t("ui.empty");
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

export function Activity({ shared }: { shared: Shared }) {
  const [logs, setLogs] = useState<PublishLog[] | null>(null);
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [force, setForce] = useState<{ log: PublishLog; current: string } | null>(null);

  const load = useCallback(() => {
    api<{ logs: PublishLog[] }>("/api/publish-logs?limit=100")
      .then(async (d) => {
        setLogs(d.logs);
        setError(null);
        // Product names come from the jobs that made the changes.
        const jobs = await api<{ jobs: { id: number }[] }>("/api/jobs?limit=5");
        const names = new Map<string, string>();
        for (const j of jobs.jobs.slice(0, 5)) {
          const items = await api<{ items: { product_id: string; product_title: string | null }[] }>(
            `/api/jobs/${j.id}/items?limit=1000`,
          );
          items.items.forEach((i) => i.product_title && names.set(i.product_id, i.product_title));
        }
        setTitles(names);
      })
      .catch((e) => setError(t("act.loadError", { error: messageOf(e) })));
  }, []);
  useEffect(load, [load]);

  const revert = async (log: PublishLog, forced = false) => {
    setNotice(null);
    try {
      await api(`/api/publish-logs/${log.id}/revert`, { method: "POST", body: forced ? { force: true } : {} });
      setNotice({ kind: "success", text: t("act.reverted", { field: FIELD_LABEL[log.attribute] }) });
      load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.details.current_value === "string") {
        setForce({ log, current: e.details.current_value });
      } else {
        setNotice({ kind: "error", text: t("ui.revertFailed", { error: messageOf(e) }) });
      }
    }
  };

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>{t("act.title")}</h1>
          <p className="muted">{t("act.intro")}</p>
        </div>
      </div>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      {error ? <ErrorBox message={error} onRetry={load} /> : null}
      {logs === null && !error ? <Loading label={t("act.loading")} /> : null}
      {logs !== null && logs.length === 0 ? (
        <section className="card">
          <Empty title={t("act.empty")}>
            {rich("act.emptyHint", {
              results: (
                <button type="button" className="link" onClick={() => shared.go("results")}>
                  {t("tab.results")}
                </button>
              ),
            })}
          </Empty>
        </section>
      ) : null}
      {logs !== null && logs.length > 0 ? (
        <section className="card flush">
          <table className="table activity">
            <thead>
              <tr>
                <th>{t("act.when")}</th>
                <th>{t("act.product")}</th>
                <th>{t("act.field")}</th>
                <th>{t("act.change")}</th>
                <th>
                  <span className="sr-only">{t("act.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {logs.map((log) => (
                <tr key={log.id} className={log.reverted_at ? "reverted" : ""}>
                  <td className="nowrap">{when(log.published_at)}</td>
                  <td>{titles.get(log.product_id) ?? t("act.product")}</td>
                  <td className="nowrap">{FIELD_LABEL[log.attribute] ?? log.attribute}</td>
                  <td>
                    <div className="from">{short(log.old_value, log.attribute)}</div>
                    <div className="to">{short(log.new_value, log.attribute)}</div>
                  </td>
                  <td className="nowrap">
                    {log.reverted_at ? (
                      <span className="badge neutral" title={t("act.revertedAt", { date: when(log.reverted_at) })}>
                        {t("act.revertedBadge")}
                      </span>
                    ) : (
                      <button type="button" className="btn secondary small" onClick={() => void revert(log)}>
                        {t("ui.revert")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {force ? (
        <Confirm
          title={t("ui.valueChanged")}
          confirmLabel={t("ui.putBack")}
          cancelLabel={t("ui.leaveIt")}
          danger
          onCancel={() => setForce(null)}
          onConfirm={() => {
            const { log } = force;
            setForce(null);
            void revert(log, true);
          }}
        >
          <p>{t("act.someoneEdited")}</p>
          <blockquote>{short(force.current, force.log.attribute)}</blockquote>
        </Confirm>
      ) : null}
    </div>
  );
}
