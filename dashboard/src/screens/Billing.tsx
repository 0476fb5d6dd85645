import { useState } from "react";
import { api, messageOf } from "../api";
import { CONFIG, day, fmt } from "../config";
import { billingNote, planName, rich, t } from "../i18n";
import { PageHead } from "../components/PageHead";
import { useApp } from "../context";
import type { Plan } from "../types";
import { Notice } from "../ui";

function price(p: Plan): string {
  if (p.price_cents === 0) return t("bill.free");
  return t("bill.price", { amount: (p.price_cents / 100).toFixed(p.price_cents % 100 ? 2 : 0) });
}

/** Shopify sells plans as app subscriptions the app creates; Wix and Salla from their own pages. */
const BY_SUBSCRIPTION = CONFIG.platform === "shopify";

function openTop(url: string): void {
  // The app lives in an iframe: checkout pages must take the whole window. On Shopify App Bridge
  // carries `open(url, "_top")` to the admin's window, as Shopify documents
  // (https://shopify.dev/docs/api/app-bridge-library/apis/navigation), and no second tab may open.
  const opened = window.open(url, "_top");
  if (!opened && CONFIG.platform !== "shopify") window.open(url, "_blank", "noopener");
}

/** Opens the platform's own upgrade page in the top window; false when this platform has none. */
export function openUpgrade(): boolean {
  const url = CONFIG.upgrade_url;
  if (!url) return false;
  openTop(url);
  return true;
}

/** Shopify: create the subscription, then the owner approves it on Shopify's confirmation page. */
async function subscribe(plan: string): Promise<void> {
  const res = await api<{ confirmation_url: string }>("/api/billing/upgrade", { method: "POST", body: { plan } });
  openTop(res.confirmation_url);
}

export function UpgradeActions({ compact }: { compact?: boolean }) {
  const { go } = useApp();
  const [hint, setHint] = useState<string | null>(null);
  return (
    <div className="upgrade-actions">
      {CONFIG.upgrade_url || BY_SUBSCRIPTION ? (
        <button
          type="button"
          className="btn primary small"
          onClick={() => {
            if (BY_SUBSCRIPTION) go("billing");
            else if (!openUpgrade()) setHint(billingNote(CONFIG.platform));
          }}
        >
          {t("bill.upgradePlan")}
        </button>
      ) : null}
      {compact ? (
        <button type="button" className="btn secondary small" onClick={() => go("billing")}>
          {t("bill.compare")}
        </button>
      ) : null}
      {hint ? <span className="muted small">{hint}</span> : null}
    </div>
  );
}

export function Billing() {
  const { me } = useApp();
  const total = me.credits.total || 0;
  const used = Math.min(me.credits.used, total);
  const pct = total ? Math.round((100 * used) / total) : 0;
  const current = me.plans.find((p) => p.id === me.plan.id);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const better = me.plans.filter((p) => (p.monthly_credits ?? 0) > (current?.monthly_credits ?? me.plan.monthly_credits ?? 0));

  return (
    <div>
      <PageHead title={t("bill.title")} intro={t("bill.intro")} />
      <div className="grid-2">
        <section className="card" aria-labelledby="plan-title">
          <h2 id="plan-title">{t("bill.yourPlan")}</h2>
          <div className="plan-name">
            {planName(me.plan)}
            {me.plan.monthly_credits != null ? (
              <span className="muted"> · {t("bill.monthly", { count: me.plan.monthly_credits })}</span>
            ) : null}
          </div>
          <div className="meter-label">
            <span>
              {rich("bill.left", { remaining: <strong>{fmt(me.credits.remaining)}</strong>, count: fmt(total) }, total)}
            </span>
            <span className="muted">{t("bill.used", { pct: String(pct) })}</span>
          </div>
          <div
            className={`meter${pct >= 90 ? " high" : ""}`}
            role="meter"
            aria-label={t("bill.meter")}
            aria-valuemin={0}
            aria-valuemax={total}
            aria-valuenow={used}
          >
            <span style={{ width: `${pct}%` }} />
          </div>
          <p className="muted small">
            {rich(
              "bill.reset",
              { count: fmt(me.plan.monthly_credits ?? total), date: <strong>{day(me.credits.reset_on)}</strong> },
              me.plan.monthly_credits ?? total,
            )}
            {me.plan.ends_on ? ` ${t("bill.ends", { date: day(me.plan.ends_on) })}` : ""}
          </p>
        </section>
        <section className="card" aria-labelledby="plans-title">
          <h2 id="plans-title">{t("bill.plans")}</h2>
          {better.length === 0 ? (
            <Notice kind="info">{t("bill.largest")}</Notice>
          ) : null}
          {error ? <Notice kind="error">{error}</Notice> : null}
          <ul className="plans">
            {me.plans.map((p) => {
              const isCurrent = p.id === me.plan.id;
              const isBetter = better.some((b) => b.id === p.id);
              return (
                <li key={p.id} className={`plan${isCurrent ? " current" : ""}`}>
                  <div>
                    <div className="plan-title">{planName(p)}</div>
                    <div className="muted small">
                      {p.monthly_credits != null ? t("bill.monthly", { count: p.monthly_credits }) : ""} · {price(p)}
                    </div>
                  </div>
                  {isCurrent ? (
                    <span className="badge success">{t("bill.current")}</span>
                  ) : isBetter && BY_SUBSCRIPTION ? (
                    <button
                      type="button"
                      className="btn secondary small"
                      aria-label={t("bill.upgradeTo", { plan: planName(p) })}
                      disabled={busy !== null}
                      onClick={() => {
                        setBusy(p.id);
                        setError(null);
                        subscribe(p.id).catch((e: unknown) => {
                          setError(messageOf(e));
                          setBusy(null);
                        });
                      }}
                    >
                      {busy === p.id ? t("bill.openingShopify") : t("bill.upgrade")}
                    </button>
                  ) : isBetter && CONFIG.upgrade_url ? (
                    <button
                      type="button"
                      className="btn secondary small"
                      aria-label={t("bill.upgradeTo", { plan: planName(p) })}
                      onClick={() => openUpgrade()}
                    >
                      {t("bill.upgrade")}
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ul>
          <p className="muted small">
            {billingNote(CONFIG.platform)}
          </p>
        </section>
      </div>
    </div>
  );
}
