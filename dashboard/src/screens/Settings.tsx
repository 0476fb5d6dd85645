import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { FIELDS, LANGUAGES } from "../config";
import { t } from "../i18n";
import type { Shared } from "../App";
import type { Attribute, StoreSettings } from "../types";
import { ErrorBox, Notice } from "../ui";

export function SettingsScreen({ shared }: { shared: Shared }) {
  const [voice, setVoice] = useState(shared.settings.brand_voice);
  const [lang, setLang] = useState(shared.settings.default_language);
  const [fields, setFields] = useState<Set<Attribute>>(new Set(shared.settings.default_attributes));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      const result = await api<StoreSettings>("/api/settings", {
        method: "PUT",
        body: {
          brand_voice: voice,
          default_language: lang,
          default_attributes: FIELDS.map((f) => f.id).filter((f) => fields.has(f)),
        },
      });
      shared.setSettings(result);
      setSaved(true);
    } catch (err) {
      setError(t("set.error", { error: messageOf(err) }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={save} aria-labelledby="settings-title">
      <div className="page-head">
        <div>
          <h1 id="settings-title">{t("set.title")}</h1>
          <p className="muted">{t("set.intro")}</p>
        </div>
      </div>
      <section className="card narrow">
        <label className="field">
          <span>{t("set.voice")}</span>
          <textarea
            rows={3}
            maxLength={500}
            value={voice}
            placeholder={t("set.voicePlaceholder")}
            onChange={(e) => setVoice(e.target.value)}
          />
          <span className="muted small">{t("set.voiceHint")}</span>
        </label>
        <label className="field">
          <span>{t("set.language")}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value)}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="fields">
          <legend>{t("set.fields")}</legend>
          {FIELDS.map((f) => (
            <label key={f.id} className="check-row">
              <input
                type="checkbox"
                checked={fields.has(f.id)}
                onChange={() => {
                  const next = new Set(fields);
                  if (next.has(f.id)) next.delete(f.id);
                  else next.add(f.id);
                  setFields(next);
                }}
              />
              {f.label}
            </label>
          ))}
        </fieldset>
        {error ? <ErrorBox message={error} /> : null}
        {saved ? <Notice kind="success">{t("set.saved")}</Notice> : null}
        <div className="actions">
          <button type="submit" className="btn primary" disabled={saving || fields.size === 0}>
            {saving ? t("ui.saving") : t("set.save")}
          </button>
        </div>
      </section>
    </form>
  );
}
