import { useEffect, useState } from "react";
import { api, messageOf } from "../api";
import { CONFIG, day, fmt } from "../config";
import { billingNote, language, planName, rich, t } from "../i18n";
import { PageHead } from "../components/PageHead";
import { useApp } from "../context";
import type { Billing as BillingFacts, BillingReturn, Me, Plan } from "../types";
import { Notice } from "../ui";

/** Back from Shopify's approval page, the app opens on Billing, which says what changed. */
const RETURN: BillingReturn | null = CONFIG.billing_return ?? null;
if (RETURN && !window.location.hash) {
  try {
    window.history.replaceState(null, "", "#billing");
  } catch {
    /* some hosts forbid history changes; the confirmation still shows on Billing */
  }
}

/** An amount in a currency's minor units, in the currency's own format and the UI's language. */
export function money(amountMinor: number, currency: string): string {
  const locale = language() === "ar" ? "ar-u-nu-latn" : "en-US";
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const amount = amountMinor / 10 ** digits;
  const whole = Number.isInteger(amount);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: whole ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(amount);
}

function price(p: Plan): string {
  if (p.price.amount_minor === 0) return t("bill.free");
  return t("bill.price", { amount: money(p.price.amount_minor, p.price.currency) });
}

function openTop(url: string): void {
  // The app lives in an iframe: checkout pages must take the whole window. On Shopify App Bridge
  // carries `open(url, "_top")` to the admin's window, as Shopify documents
  // (https://shopify.dev/docs/api/app-bridge-library/apis/navigation), and no second tab may open.
  const opened = window.open(url, "_top");
  if (!opened && CONFIG.platform !== "shopify") window.open(url, "_blank", "noopener");
}

/** Opens where this store's platform sells plans; false when it sells none from the app. */
function openUpgrade(billing: BillingFacts): boolean {
  const { kind, url } = billing.upgrade;
  if (!url) return false;
  // The operator's own page: beside the app (a WooCommerce site's app is not framed).
  if (kind === "operator_url") window.open(url, "_blank", "noopener");
  else openTop(url);
  return true;
}

/** Shopify: create the subscription, then the owner approves it on Shopify's confirmation page. */
async function subscribe(plan: string): Promise<void> {
  const res = await api<{ confirmation_url: string }>("/api/billing/upgrade", { method: "POST", body: { plan } });
  openTop(res.confirmation_url);
}

/** What the Billing screen says of where plans are bought. */
function upgradeNote(billing: BillingFacts): string {
  if (billing.upgrade.kind === "operator_url") return t("bill.note.operator");
  if (billing.upgrade.kind === "none") return t(CONFIG.platform === "woocommerce" ? "bill.note.woocommerce" : "bill.note.none");
  return billingNote(CONFIG.platform);
}

export function UpgradeActions({ compact }: { compact?: boolean }) {
  const { go, me } = useApp();
  const kind = me.billing.upgrade.kind;
  return (
    <div className="upgrade-actions">
      {kind !== "none" ? (
        <button
          type="button"
          className="btn primary small"
          onClick={() => {
            if (kind === "in_app") go("billing");
            else openUpgrade(me.billing);
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
    </div>
  );
}

const CONFIRM_POLL_MS = 3000;
const CONFIRM_POLLS = 20;

/**
 * Back from approving a plan on Shopify: what changed (the plan, its monthly credits, the credits
 * added). The store moves when Shopify's webhook arrives, which may be after the owner: until then
 * it says Shopify is confirming and reads the account again every few seconds.
 */
export function UpgradeConfirmation({ back }: { back: BillingReturn }) {
  const { me, refreshMe } = useApp();
  const [totalAtOpen] = useState(me.credits.total);
  const [polls, setPolls] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const active = me.plan.id === back.plan;
  const plan = me.plans.find((p) => p.id === back.plan);
  const name = plan ? planName(plan) : back.plan;

  useEffect(() => {
    if (active || polls >= CONFIRM_POLLS) return undefined;
    const id = window.setTimeout(() => {
      refreshMe();
      setPolls((n) => n + 1);
    }, CONFIRM_POLL_MS);
    return () => window.clearTimeout(id);
  }, [active, polls, refreshMe]);

  if (dismissed) return null;
  if (!active) {
    return (
      <Notice kind={polls >= CONFIRM_POLLS ? "warning" : "info"}>
        <span>{t(polls >= CONFIRM_POLLS ? "bill.return.late" : "bill.return.waiting", { plan: name })}</span>
      </Notice>
    );
  }
  const added = back.active ? (back.credits_added ?? 0) : me.credits.total - totalAtOpen;
  return (
    <Notice kind="success">
      <span data-testid="upgrade-confirmation">
        <strong>{t("bill.return.done", { plan: name })}</strong>{" "}
        {t("bill.return.credits", { count: me.plan.monthly_credits ?? me.credits.total })}{" "}
        {added > 0 ? `${t("bill.return.added", { count: added })} ` : ""}
        {rich(
          "bill.return.left",
          { count: <strong>{fmt(me.credits.remaining)}</strong>, date: day(me.credits.reset_on) },
          me.credits.remaining,
        )}
      </span>
      <button type="button" className="btn secondary small" onClick={() => setDismissed(true)}>
        {t("bill.return.ok")}
      </button>
    </Notice>
  );
}

function UpgradeButton({ plan, me, busy, onSubscribe }: { plan: Plan; me: Me; busy: string | null; onSubscribe: () => void }) {
  const kind = me.billing.upgrade.kind;
  if (kind === "none") return null;
  return (
    <button
      type="button"
      className="btn secondary small"
      aria-label={t("bill.upgradeTo", { plan: planName(plan) })}
      disabled={busy !== null}
      onClick={() => (kind === "in_app" ? onSubscribe() : openUpgrade(me.billing))}
    >
      {busy === plan.id ? t("bill.openingShopify") : t("bill.upgrade")}
    </button>
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
      {RETURN ? <UpgradeConfirmation back={RETURN} /> : null}
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
          {better.length === 0 ? <Notice kind="info">{t("bill.largest")}</Notice> : null}
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
                      {p.monthly_credits != null ? t("bill.monthly", { count: p.monthly_credits }) : ""} ·{" "}
                      <span className="plan-price">{price(p)}</span>
                    </div>
                  </div>
                  {isCurrent ? (
                    <span className="badge success">{t("bill.current")}</span>
                  ) : isBetter ? (
                    <UpgradeButton
                      plan={p}
                      me={me}
                      busy={busy}
                      onSubscribe={() => {
                        setBusy(p.id);
                        setError(null);
                        subscribe(p.id).catch((e: unknown) => {
                          setError(messageOf(e));
                          setBusy(null);
                        });
                      }}
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
          <p className="muted small" data-testid="billing-note">
            {upgradeNote(me.billing)}
          </p>
        </section>
      </div>
    </div>
  );
}
