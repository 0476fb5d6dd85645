import { useRef, useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { FieldChecks, inFieldOrder } from "../components/FieldChecks";
import { LanguageSelect } from "../components/LanguageSelect";
import { PageHead } from "../components/PageHead";
import { useShopifySaveBar } from "../host/shopify";
import { useApp } from "../context";
import { t } from "../i18n";
import type { Attribute, StoreSettings } from "../types";
import { ErrorBox, Notice } from "../ui";
import { AutomationPanel } from "./settings/AutomationPanel";
import { BrandVoices } from "./settings/BrandVoices";
import { DisconnectSite } from "./settings/DisconnectSite";
import { GlossaryPanel } from "./settings/GlossaryPanel";

export function SettingsScreen() {
  const { settings, settingsSaved } = useApp();
  const [lang, setLang] = useState(settings.default_language);
  const [fields, setFields] = useState<Set<Attribute>>(new Set(settings.default_attributes));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);

  const dirty =
    lang !== settings.default_language ||
    inFieldOrder(fields).join() !== inFieldOrder(new Set(settings.default_attributes)).join();
  const discard = () => {
    setLang(settings.default_language);
    setFields(new Set(settings.default_attributes));
    setError(null);
  };
  // Inside Shopify the admin's save bar offers Save and Discard while something is unsaved.
  useShopifySaveBar("settings-save-bar", dirty && !saving, () => form.current?.requestSubmit(), discard);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      const result = await api<StoreSettings>("/api/settings", {
        method: "PUT",
        body: {
          default_language: lang,
          default_attributes: inFieldOrder(fields),
        },
      });
      settingsSaved(result);
      setSaved(true);
    } catch (err) {
      setError(t("set.error", { error: messageOf(err) }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
    <form ref={form} onSubmit={save} aria-labelledby="settings-title">
      <PageHead id="settings-title" title={t("set.title")} intro={t("set.intro")} />
      <section className="card narrow">
        <LanguageSelect label={t("set.language")} value={lang} onChange={setLang} />
        <FieldChecks legend={t("set.fields")} checked={fields} onChange={setFields} />
        {error ? <ErrorBox message={error} /> : null}
        {saved ? <Notice kind="success">{t("set.saved")}</Notice> : null}
        <div className="actions">
          <button type="submit" className="btn primary" disabled={saving || fields.size === 0}>
            {saving ? t("ui.saving") : t("set.save")}
          </button>
        </div>
      </section>
      <DisconnectSite />
    </form>
    <AutomationPanel />
    <BrandVoices />
    <GlossaryPanel />
    </>
  );
}
