import { day } from "../config";
import { useApp } from "../context";
import { rich, t } from "../i18n";
import type { AutomationRules, AutomationSummary as Summary } from "../types";
import { useApi } from "../useApi";
import { AUTOMATION_SECTION } from "../screens/settings/AutomationPanel";

/**
 * What automation did this week, shown when the app opens while automation is on: how many products
 * it improved and how many wait for review, or that it stopped (the month's cap) or is paused.
 * Nothing while automation is off, and nothing when the summary cannot be read (it is a courtesy).
 */
export function AutomationSummary({ onDismiss }: { onDismiss: () => void }) {
  const { go, goTo } = useApp();
  const summary = useApi<Summary>("/api/automation/summary?days=7").data;
  // The day the cap lifts is part of the rules, read only when the cap stops automation.
  const rules = useApi<AutomationRules>(summary?.cap_reached ? "/api/automation" : null).data;
  if (!summary || summary.mode === "off") return null;

  const automationJobs = (
    <button type="button" className="link" onClick={() => goTo({ tab: "queue", jobId: null, automation: true })}>
      {t("auto.sum.seeJobs")}
    </button>
  );
  // Settings opened on its Automation section, which a phone shows below the fold.
  const toRules = (label: string) => (
    <button
      type="button"
      className="link"
      onClick={() => {
        go("settings");
        window.requestAnimationFrame(() => document.getElementById(AUTOMATION_SECTION)?.scrollIntoView());
      }}
    >
      {label}
    </button>
  );

  let kind: "warning" | "info";
  let words;
  if (summary.cap_reached) {
    kind = "warning";
    words = rich("auto.sum.capReached", {
      count: summary.monthly_credit_cap,
      date: rules ? day(rules.period_resets_on) : t("auto.sum.nextMonth"),
      raise: toRules(t("auto.sum.raiseCap")),
    });
  } else if (summary.paused) {
    kind = "info";
    words = rich("auto.sum.paused", { settings: toRules(t("auto.sum.settings")) });
  } else {
    kind = "info";
    const parts =
      summary.products_optimised === 0
        ? [t("auto.sum.nothing")]
        : [
            t("auto.sum.optimised", { count: summary.products_optimised }),
            ...(summary.mode === "publish" && summary.published > 0 ? [t("auto.sum.published", { count: summary.published })] : []),
            ...(summary.waiting_for_review > 0 ? [t("auto.sum.waiting", { count: summary.waiting_for_review })] : []),
            ...(summary.failed > 0 ? [t("auto.sum.failed", { count: summary.failed })] : []),
          ];
    words = rich("auto.sum.line", { words: parts.join(t("auto.sum.separator")), link: automationJobs });
  }

  return (
    <div className={`notice ${kind} automation-summary`} role="status" data-testid="automation-summary">
      <span>{words}</span>
      <button type="button" className="btn secondary small" onClick={onDismiss}>
        {t("notice.dismiss")}
      </button>
    </div>
  );
}
