import { useState, type FormEvent } from "react";
import { api, messageOf } from "../../api";
import { CONFIG } from "../../config";
import { languageName, t } from "../../i18n";
import { ErrorBox, Loaded, Notice } from "../../ui";
import { useApi } from "../../useApi";

interface BannedWord {
  word: string;
  /** A base language code, or null: every language. */
  language: string | null;
}

/** GET /api/glossary's answer. */
interface Glossary {
  exact_terms: string[];
  banned_words: BannedWord[];
  default_hype_words: { enabled: boolean; disabled_words: string[]; words: Record<string, string[]> };
  limits: { entries: number; entry_chars: number };
}

const base = (code: string) => code.split("-")[0].toLowerCase();

/** A base language code ("pt") named as the language the app offers for it ("Portuguese (Brazil)"). */
function languageLabel(code: string): string {
  return languageName(CONFIG.languages.find((offered) => base(offered) === code) ?? code);
}

/** Settings: terms written exactly so, words never to use, and the default hype words. */
export function GlossaryPanel() {
  const state = useApi<Glossary>("/api/glossary");
  return (
    <section className="card narrow glossary" aria-labelledby="glossary-title">
      <h2 id="glossary-title">{t("gloss.title")}</h2>
      <p className="muted small">{t("gloss.intro")}</p>
      <Loaded state={state} loading={t("gloss.loading")} error={(m) => t("gloss.loadError", { error: m })}>
        {(saved) => <GlossaryForm saved={saved} />}
      </Loaded>
    </section>
  );
}

/** The glossary being edited; after a save it shows what the server kept (repeats dropped, words trimmed). */
function GlossaryForm({ saved }: { saved: Glossary }) {
  const { limits } = saved;
  const [terms, setTerms] = useState(saved.exact_terms);
  const [banned, setBanned] = useState(saved.banned_words);
  const [hypeOn, setHypeOn] = useState(saved.default_hype_words.enabled);
  const [disabled, setDisabled] = useState(new Set(saved.default_hype_words.disabled_words));
  const [term, setTerm] = useState("");
  const [word, setWord] = useState("");
  const [wordLang, setWordLang] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const languages = [...new Set(CONFIG.languages.map(base))];

  const addTerm = () => {
    const value = term.trim();
    if (value && !terms.includes(value)) setTerms([...terms, value]);
    setTerm("");
  };
  const addWord = () => {
    const value = word.trim();
    const language = wordLang || null;
    if (value && !banned.some((b) => b.word === value && b.language === language)) setBanned([...banned, { word: value, language }]);
    setWord("");
  };
  const toggleHype = (w: string, on: boolean) => {
    const next = new Set(disabled);
    if (on) next.delete(w);
    else next.add(w);
    setDisabled(next);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setDone(false);
    try {
      const kept = await api<Glossary>("/api/glossary", {
        method: "PUT",
        body: {
          exact_terms: terms,
          banned_words: banned,
          default_hype_words: { enabled: hypeOn, disabled_words: [...disabled] },
        },
      });
      setTerms(kept.exact_terms);
      setBanned(kept.banned_words);
      setHypeOn(kept.default_hype_words.enabled);
      setDisabled(new Set(kept.default_hype_words.disabled_words));
      setDone(true);
    } catch (err) {
      setError(t("gloss.notSaved", { error: messageOf(err) }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={save} aria-label={t("gloss.title")}>
      <fieldset className="gloss-part">
        <legend>{t("gloss.terms")}</legend>
        <p className="muted small">{t("gloss.termsHint")}</p>
        <Chips items={terms.map((x) => ({ key: x, label: x }))} onRemove={(k) => setTerms(terms.filter((x) => x !== k))} />
        <div className="gloss-add">
          <input
            type="text"
            dir="auto"
            aria-label={t("gloss.newTerm")}
            placeholder={t("gloss.termPlaceholder")}
            maxLength={limits.entry_chars}
            value={term}
            onChange={(e) => setTerm(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addTerm();
              }
            }}
          />
          <button type="button" className="btn secondary small" onClick={addTerm} disabled={!term.trim() || terms.length >= limits.entries}>
            {t("gloss.addTerm")}
          </button>
        </div>
      </fieldset>

      <fieldset className="gloss-part">
        <legend>{t("gloss.banned")}</legend>
        <p className="muted small">{t("gloss.bannedHint")}</p>
        <Chips
          items={banned.map((b) => ({
            key: `${b.language ?? ""}:${b.word}`,
            label: b.word,
            note: b.language ? languageLabel(b.language) : t("gloss.allLanguages"),
          }))}
          onRemove={(k) => setBanned(banned.filter((b) => `${b.language ?? ""}:${b.word}` !== k))}
        />
        <div className="gloss-add">
          <input
            type="text"
            dir="auto"
            aria-label={t("gloss.newWord")}
            placeholder={t("gloss.wordPlaceholder")}
            maxLength={limits.entry_chars}
            value={word}
            onChange={(e) => setWord(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addWord();
              }
            }}
          />
          <select aria-label={t("gloss.wordLanguage")} value={wordLang} onChange={(e) => setWordLang(e.target.value)}>
            <option value="">{t("gloss.allLanguages")}</option>
            {languages.map((code) => (
              <option key={code} value={code}>
                {languageLabel(code)}
              </option>
            ))}
          </select>
          <button type="button" className="btn secondary small" onClick={addWord} disabled={!word.trim() || banned.length >= limits.entries}>
            {t("gloss.addWord")}
          </button>
        </div>
      </fieldset>

      <fieldset className="gloss-part">
        <legend>{t("gloss.hype")}</legend>
        <label className="check-row">
          <input type="checkbox" checked={hypeOn} onChange={(e) => setHypeOn(e.target.checked)} />
          <span>{t("gloss.hypeOn")}</span>
        </label>
        <details className="hype-words">
          <summary>{t("gloss.hypeList")}</summary>
          {Object.entries(saved.default_hype_words.words).map(([lang, words]) => (
            <fieldset key={lang} className="hype-lang" disabled={!hypeOn}>
              <legend>{languageLabel(lang)}</legend>
              {words.map((w) => (
                <label key={w} className="check-row" dir="auto">
                  <input type="checkbox" checked={!disabled.has(w)} onChange={(e) => toggleHype(w, e.target.checked)} />
                  <span>{w}</span>
                </label>
              ))}
            </fieldset>
          ))}
        </details>
      </fieldset>

      {error ? <ErrorBox message={error} /> : null}
      {done ? <Notice kind="success">{t("gloss.saved")}</Notice> : null}
      <div className="actions">
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? t("ui.saving") : t("gloss.save")}
        </button>
      </div>
    </form>
  );
}

function Chips({ items, onRemove }: { items: { key: string; label: string; note?: string }[]; onRemove: (key: string) => void }) {
  if (items.length === 0) return <p className="muted small">{t("gloss.noneYet")}</p>;
  return (
    <ul className="chips">
      {items.map((item) => (
        <li key={item.key} className="chip">
          <span dir="auto">{item.label}</span>
          {item.note ? <span className="muted small">{item.note}</span> : null}
          <button type="button" className="chip-remove" aria-label={t("gloss.remove", { word: item.label })} onClick={() => onRemove(item.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
