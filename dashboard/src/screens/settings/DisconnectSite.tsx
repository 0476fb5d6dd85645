import { useState } from "react";
import { CONFIG } from "../../config";
import { useApp } from "../../context";
import { t } from "../../i18n";

/**
 * A plain form post to the app page rather than an API call, so that the server can clear this
 * browser's sign-in cookie and land the owner on the connect form. Built outside the Settings form
 * (forms do not nest); its token, from the page's config, proves the post came from this page.
 */
function postDisconnect(url: string, token: string): void {
  const form = document.createElement("form");
  form.method = "post";
  form.action = url;
  form.hidden = true;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "token";
  field.value = token;
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** WooCommerce only: disconnect the site, after a confirmation. */
export function DisconnectSite() {
  const { me } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const target = CONFIG.disconnect;
  if (CONFIG.platform !== "woocommerce" || !target) return null;
  return (
    <section className="card narrow disconnect" aria-labelledby="disconnect-title">
      <h2 id="disconnect-title">{t("set.disconnect.title")}</h2>
      <p className="muted small">{t("set.disconnect.intro", { site: me.store.name || t("app.yourStore") })}</p>
      {confirming ? <p role="alert">{t("set.disconnect.confirm")}</p> : null}
      <div className="actions">
        {confirming ? (
          <>
            <button type="button" className="btn secondary" onClick={() => setConfirming(false)} autoFocus>
              {t("ui.keepIt")}
            </button>
            <button
              type="button"
              className="btn danger"
              disabled={leaving}
              onClick={() => {
                setLeaving(true);
                postDisconnect(target.url, target.token);
              }}
            >
              {t("set.disconnect.yes")}
            </button>
          </>
        ) : (
          <button type="button" className="btn secondary" onClick={() => setConfirming(true)}>
            {t("set.disconnect.button")}
          </button>
        )}
      </div>
    </section>
  );
}
