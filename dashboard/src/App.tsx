import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "./api";
import { AppContext, type AppState, type Tab } from "./context";
import { CONFIG, fmt, isRtl } from "./config";
import { planName, rich, setLanguage, t, uiLanguage, type Key } from "./i18n";
import type { Me, StoreSettings } from "./types";
import { Optimise } from "./screens/Optimise";
import { Queue } from "./screens/Queue";
import { Results } from "./screens/Results";
import { Billing } from "./screens/Billing";
import { SettingsScreen } from "./screens/Settings";
import { Activity } from "./screens/Activity";

const TABS: { id: Tab; label: Key }[] = [
  { id: "optimise", label: "tab.optimise" },
  { id: "queue", label: "tab.queue" },
  { id: "results", label: "tab.results" },
  { id: "activity", label: "tab.activity" },
  { id: "billing", label: "tab.billing" },
  { id: "settings", label: "tab.settings" },
];

function initialTab(): Tab {
  const hash = window.location.hash.replace("#", "").split("/")[0];
  return TABS.find((item) => item.id === hash)?.id ?? "optimise";
}

/** The UI's words follow the admin's locale or the store's default language. */
export function chooseLanguage(settings: StoreSettings): void {
  setLanguage(uiLanguage(CONFIG.locale, settings.default_language));
}

export function App() {
  const [me, setMe] = useState<Me>(CONFIG.me);
  const [settings, setSettings] = useState<StoreSettings>(CONFIG.settings);
  const [tab, setTab] = useState<Tab>(initialTab);
  const [jobId, setJobId] = useState<number | null>(null);
  const [workingLanguage, setWorkingLanguage] = useState<string>(settings.default_language);

  const uiLang = uiLanguage(CONFIG.locale, settings.default_language);
  const rtl = isRtl(CONFIG.locale) || isRtl(settings.default_language) || isRtl(workingLanguage);
  useEffect(() => {
    document.documentElement.dir = rtl ? "rtl" : "ltr";
  }, [rtl]);
  useEffect(() => {
    document.documentElement.lang = uiLang;
  }, [uiLang]);

  const settingsSaved = useCallback(
    (saved: StoreSettings) => {
      chooseLanguage(saved);
      if (saved.default_language !== settings.default_language) setWorkingLanguage(saved.default_language);
      setSettings(saved);
    },
    [settings.default_language],
  );

  const refreshMe = useCallback(() => {
    api<Me>("/api/me")
      .then(setMe)
      .catch(() => undefined);
  }, []);

  const go = useCallback((next: Tab, id?: number) => {
    setTab(next);
    if (id !== undefined) setJobId(id);
    try {
      window.history.replaceState(null, "", `#${next}`);
    } catch {
      /* some hosts forbid history changes; the tab still switches */
    }
    window.scrollTo(0, 0);
  }, []);

  const shared = useMemo<AppState>(
    () => ({ me, setMe, refreshMe, settings, settingsSaved, go, setWorkingLanguage }),
    [me, refreshMe, settings, settingsSaved, go],
  );
  const low = me.credits.remaining <= Math.max(5, (me.credits.total || 0) * 0.1);

  return (
    <AppContext value={shared}>
      <div className="app" dir={rtl ? "rtl" : "ltr"} data-testid="app-root">
        <header className="topbar">
          <div className="brand">
            <span className="logo" aria-hidden="true">✦</span>
            <div>
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
            {rich(
              "app.creditsPill",
              { count: <strong>{fmt(me.credits.remaining)}</strong>, plan: planName(me.plan) },
              me.credits.remaining,
            )}
          </button>
        </header>
        <nav className="tabs" aria-label={t("app.sections")}>
          {TABS.map((item) => (
            <button
              key={item.id}
              type="button"
              className={`tab${tab === item.id ? " active" : ""}`}
              aria-current={tab === item.id ? "page" : undefined}
              onClick={() => go(item.id)}
            >
              {t(item.label)}
            </button>
          ))}
        </nav>
        <main className="content" id="main">
          {tab === "optimise" && <Optimise />}
          {tab === "queue" && <Queue />}
          {tab === "results" && <Results jobId={jobId} setJobId={setJobId} />}
          {tab === "billing" && <Billing />}
          {tab === "settings" && <SettingsScreen />}
          {tab === "activity" && <Activity />}
        </main>
      </div>
    </AppContext>
  );
}
