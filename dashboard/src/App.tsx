import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "./api";
import { AppContext, type AppState, type Toast } from "./context";
import { CONFIG, fmt } from "./config";
import { planName, rich, setLanguage, t, uiDirection, uiLanguage, type Key } from "./i18n";
import { jobName } from "./jobText";
import { parseHash, sameRoute, writeRoute, type Route, type Tab } from "./route";
import type { Job, Me, StoreSettings } from "./types";
import { useApi } from "./useApi";
import { insideShopify, shopifyToast, useShopifyTitleBar } from "./host/shopify";
import { AutomationSummary } from "./components/AutomationSummary";
import { SectionTabs } from "./components/SectionTabs";
import { Toasts } from "./components/Toasts";
import { Optimise } from "./screens/Optimise";
import { useDraft } from "./screens/optimise/draft";
import { Queue } from "./screens/Queue";
import { Results } from "./screens/Results";
import { Billing } from "./screens/Billing";
import { SettingsScreen } from "./screens/Settings";
import { Activity } from "./screens/Activity";

const TABS: { id: Tab; label: Key; title: Key }[] = [
  { id: "optimise", label: "tab.optimise", title: "opt.title" },
  { id: "queue", label: "tab.queue", title: "queue.title" },
  { id: "results", label: "tab.results", title: "res.title" },
  { id: "activity", label: "tab.activity", title: "act.title" },
  { id: "billing", label: "tab.billing", title: "bill.title" },
  { id: "settings", label: "tab.settings", title: "set.title" },
];

const ACTIVE = new Set(["PENDING", "RUNNING"]);

/** The UI's words follow the admin's language; the store's default language only when the admin's is unknown. */
export function chooseLanguage(settings: StoreSettings): void {
  setLanguage(uiLanguage(CONFIG.locale, settings.default_language));
}

/** What a finished job's toast says. */
function finishedWords(job: Job): string {
  const name = jobName(job);
  if (job.status === "FAILED") return t("notice.jobFailed", { job: name });
  const ready = Math.max(0, job.counts.done - (job.counts.no_change ?? 0));
  return t("notice.jobDone", { job: name, changes: t("count.changes", { count: ready }) });
}

export function App() {
  const [me, setMe] = useState<Me>(CONFIG.me);
  const [settings, setSettings] = useState<StoreSettings>(CONFIG.settings);
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  const [toasts, setToasts] = useState<(Toast & { id: number })[]>([]);
  const [draft, setDraft, resetDraft] = useDraft(me, settings);

  const uiLang = uiLanguage(CONFIG.locale, settings.default_language);
  const dir = uiDirection(uiLang);
  useEffect(() => {
    document.documentElement.dir = dir;
    document.documentElement.lang = uiLang;
  }, [dir, uiLang]);

  // The browser's back and forward buttons, and a hash typed or linked, move between sections.
  useEffect(() => {
    const follow = () => {
      const next = parseHash(window.location.hash);
      setRoute((current) => (sameRoute(current, next) ? current : next));
    };
    window.addEventListener("popstate", follow);
    window.addEventListener("hashchange", follow);
    return () => {
      window.removeEventListener("popstate", follow);
      window.removeEventListener("hashchange", follow);
    };
  }, []);

  const goTo = useCallback((next: Route) => {
    writeRoute(next, "push");
    setRoute(next);
    window.scrollTo(0, 0);
  }, []);
  const go = useCallback(
    (tab: Tab, jobId?: number) => goTo({ tab, jobId: tab === "results" ? (jobId ?? null) : null }),
    [goTo],
  );

  /** Results opens a job: the owner's choice is a step in history; the newest job chosen for them is not. */
  const openJob = useCallback((jobId: number) => {
    setRoute((current) => {
      const next: Route = { tab: "results", jobId };
      if (sameRoute(current, next)) return current;
      writeRoute(next, current.jobId === null ? "replace" : "push");
      return next;
    });
  }, []);

  const settingsSaved = useCallback((saved: StoreSettings) => {
    chooseLanguage(saved);
    setSettings(saved);
  }, []);

  const refreshMe = useCallback(() => {
    api<Me>("/api/me")
      .then(setMe)
      .catch(() => undefined);
  }, []);

  const nextToast = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((toast) => toast.id !== id)), []);
  const notify = useCallback((toast: Toast) => {
    if (
      shopifyToast(toast.text, {
        isError: toast.error,
        action: toast.action?.label,
        onAction: toast.action?.run,
        duration: toast.action ? 10_000 : 5_000,
      })
    ) {
      return;
    }
    nextToast.current += 1;
    const id = nextToast.current;
    setToasts((list) => [...list.slice(-2), { ...toast, id }]);
  }, []);

  // The store's jobs, watched while any waits or runs (and while the Queue is open): a job that
  // finishes out of sight gets a toast that opens it, and refunds show in the balance.
  const jobsActive = useRef<Set<number> | null>(null);
  const [watching, setWatching] = useState(false);
  const jobs = useApi<{ jobs: Job[] }>("/api/jobs?limit=30", {
    poll: watching || route.tab === "queue" ? 2500 : undefined,
  });
  useEffect(() => {
    const list = jobs.data?.jobs;
    if (!list) return;
    const active = new Set(list.filter((j) => ACTIVE.has(j.status)).map((j) => j.id));
    const before = jobsActive.current;
    if (before) {
      const finished = list.filter((j) => before.has(j.id) && !active.has(j.id));
      for (const job of finished) {
        if (job.status === "CANCELED") continue;
        notify({
          text: finishedWords(job),
          error: job.status === "FAILED",
          action: { label: t("notice.review"), run: () => go("results", job.id) },
        });
      }
      if (finished.length) refreshMe();
    }
    jobsActive.current = active;
  }, [jobs.data, notify, go, refreshMe]);
  const anyActive = jobs.data?.jobs.some((j) => ACTIVE.has(j.status)) ?? false;
  if (anyActive !== watching) setWatching(anyActive);

  const shared = useMemo<AppState>(
    () => ({ me, setMe, refreshMe, settings, settingsSaved, route, go, goTo, jobs, notify }),
    [me, refreshMe, settings, settingsSaved, route, go, goTo, jobs, notify],
  );

  const current = TABS.find((item) => item.id === route.tab) ?? TABS[0];
  const title = t(current.title);
  useShopifyTitleBar(title);
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title]);

  // Automation's summary greets the owner on the section the app opened on, until dismissed or left.
  const [openedOn] = useState(route.tab);
  const [summaryGone, setSummaryGone] = useState(false);
  if (route.tab !== openedOn && !summaryGone) setSummaryGone(true);

  const low = me.credits.remaining <= Math.max(5, (me.credits.total || 0) * 0.1);

  return (
    <AppContext value={shared}>
      <div className={`app${insideShopify() ? " in-shopify" : ""}`} dir={dir} data-testid="app-root">
        <header className="topbar">
          <div className="brand">
            <span className="logo" aria-hidden="true">✦</span>
            <div className="brand-text">
              <div className="app-name">{t("app.name")}</div>
              <div className="store-name">{me.store.name || t("app.yourStore")}</div>
            </div>
          </div>
          <button
            type="button"
            className={`credits-pill${low ? " low" : ""}`}
            onClick={() => go("billing")}
            aria-label={t("app.creditsAria", { count: me.credits.remaining, plan: planName(me.plan) })}
          >
            <span className="pill-long">
              {rich(
                "app.creditsPill",
                { count: <strong>{fmt(me.credits.remaining)}</strong>, plan: planName(me.plan) },
                me.credits.remaining,
              )}
            </span>
            <span className="pill-short" aria-hidden="true">
              {rich("app.creditsShort", { count: <strong>{fmt(me.credits.remaining)}</strong> }, me.credits.remaining)}
            </span>
          </button>
        </header>
        <SectionTabs
          tabs={TABS.map((item) => ({ id: item.id, label: t(item.label) }))}
          current={route.tab}
          onGo={(tab) => go(tab)}
        />
        <main className="content" id="main">
          {summaryGone ? null : <AutomationSummary onDismiss={() => setSummaryGone(true)} />}
          {route.tab === "optimise" && <Optimise draft={draft} setDraft={setDraft} resetDraft={resetDraft} />}
          {route.tab === "queue" && <Queue />}
          {route.tab === "results" && <Results jobId={route.jobId} setJobId={openJob} />}
          {route.tab === "billing" && <Billing />}
          {route.tab === "settings" && <SettingsScreen />}
          {route.tab === "activity" && <Activity />}
        </main>
        <Toasts toasts={toasts} onDismiss={dismiss} />
      </div>
    </AppContext>
  );
}
