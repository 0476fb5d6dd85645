import { useState } from "react";
import { api, ApiError, messageOf } from "../api";
import { PageHead } from "../components/PageHead";
import { TabLink } from "../components/TabLink";
import { FIELD_LABEL, when } from "../config";
import { rich, t } from "../i18n";
import type { PublishLog } from "../types";
import { plainText } from "../text";
import { Confirm, EmptyCard, Loaded, Notice } from "../ui";
import { useApi } from "../useApi";

function short(value: string | null, attribute: string): string {
  const text = attribute === "description" ? plainText(value ?? "") : (value ?? "");
  if (!text) return t("ui.empty");
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

export function Activity() {
  const logs = useApi<{ logs: PublishLog[] }>("/api/publish-logs?limit=100");
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [force, setForce] = useState<{ log: PublishLog; current: string } | null>(null);

  const revert = async (log: PublishLog, forced = false) => {
    setNotice(null);
    try {
      await api(`/api/publish-logs/${log.id}/revert`, { method: "POST", body: forced ? { force: true } : {} });
      setNotice({ kind: "success", text: t("act.reverted", { field: FIELD_LABEL[log.attribute] }) });
      logs.reload();
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
      <PageHead title={t("act.title")} intro={t("act.intro")} />
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <Loaded
        state={logs}
        loading={t("act.loading")}
        error={(error) => t("act.loadError", { error })}
        isEmpty={(d) => d.logs.length === 0}
        empty={<EmptyCard title={t("act.empty")}>{rich("act.emptyHint", { results: <TabLink tab="results" /> })}</EmptyCard>}
      >
        {(d) => (
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
                {d.logs.map((log) => (
                  <tr key={log.id} className={log.reverted_at ? "reverted" : ""} data-testid="activity-entry">
                    <td className="nowrap when" data-label={t("act.when")}>
                      {when(log.published_at)}
                    </td>
                    <td className="product" data-label={t("act.product")} dir="auto">
                      {log.product_title ?? t("act.product")}
                    </td>
                    <td className="nowrap field" data-label={t("act.field")}>
                      {FIELD_LABEL[log.attribute] ?? log.attribute}
                    </td>
                    <td className="change" data-label={t("act.change")}>
                      <div className="from" dir="auto">{short(log.old_value, log.attribute)}</div>
                      <div className="to" dir="auto">{short(log.new_value, log.attribute)}</div>
                    </td>
                    <td className="nowrap actions-cell">
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
        )}
      </Loaded>
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
          <blockquote dir="auto">{short(force.current, force.log.attribute)}</blockquote>
        </Confirm>
      ) : null}
    </div>
  );
}
