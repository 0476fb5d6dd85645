import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api, ApiError, messageOf } from "../../api";
import { t } from "../../i18n";
import { ErrorBox, Loaded, Notice } from "../../ui";
import { useApi } from "../../useApi";
import { splitWords, type BrandVoice, type VoiceLimits, type VoiceList } from "./voiceTypes";

interface Draft {
  name: string;
  tone: string;
  prefer: string;
  avoid: string;
  example: string;
  isDefault: boolean;
}

const EMPTY: Draft = { name: "", tone: "", prefer: "", avoid: "", example: "", isDefault: false };

function draftOf(voice: BrandVoice): Draft {
  return {
    name: voice.name,
    tone: voice.tone,
    prefer: voice.prefer_words.join(", "),
    avoid: voice.avoid_words.join(", "),
    example: voice.example,
    isDefault: voice.is_default,
  };
}

/** Why the server refused a voice, in the UI language where it says more than the limits do. */
function refusal(e: unknown): string {
  if (e instanceof ApiError && e.status === 409) {
    return e.details.max_voices ? t("voices.tooMany", { count: Number(e.details.max_voices) }) : t("voices.nameTaken");
  }
  return t("voices.notSaved", { error: messageOf(e) });
}

/** Settings: the store's brand voices; one is the default every new job is written in. */
export function BrandVoices() {
  const state = useApi<VoiceList>("/api/brand-voices");
  // null: no editor open; 0: a new voice; else the id of the voice being edited.
  const [editing, setEditing] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const act = async (work: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await work();
      setNotice(done);
      state.reload();
      return true;
    } catch (e) {
      setError(refusal(e));
      return false;
    }
  };

  return (
    <section className="card narrow voices" aria-labelledby="voices-title">
      <div className="card-head">
        <h2 id="voices-title">{t("voices.title")}</h2>
        {editing === null && state.data && state.data.voices.length < state.data.limits.voices ? (
          <button type="button" className="btn secondary small" onClick={() => setEditing(0)}>
            {t("voices.add")}
          </button>
        ) : null}
      </div>
      <p className="muted small">{t("voices.intro")}</p>
      {error ? <ErrorBox message={error} /> : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <Loaded state={state} loading={t("voices.loading")} error={(m) => t("voices.loadError", { error: m })}>
        {(list) => (
          <>
            {editing === 0 ? (
              <VoiceEditor
                limits={list.limits}
                initial={{ ...EMPTY, isDefault: list.voices.length === 0 }}
                onCancel={() => setEditing(null)}
                onSave={(body) =>
                  act(() => api("/api/brand-voices", { method: "POST", body }), t("voices.saved")).then(
                    (ok) => ok && setEditing(null),
                  )
                }
              />
            ) : null}
            {list.voices.length === 0 && editing !== 0 ? <p className="muted">{t("voices.none")}</p> : null}
            <ul className="plain-list voice-list">
              {list.voices.map((voice) =>
                editing === voice.id ? (
                  <li key={voice.id}>
                    <VoiceEditor
                      limits={list.limits}
                      initial={draftOf(voice)}
                      onCancel={() => setEditing(null)}
                      onSave={(body) =>
                        act(
                          () => api(`/api/brand-voices/${voice.id}`, { method: "PUT", body }),
                          t("voices.saved"),
                        ).then((ok) => ok && setEditing(null))
                      }
                    />
                  </li>
                ) : (
                  <li key={voice.id} className="voice-row">
                    <div className="grow">
                      <strong dir="auto">{voice.name}</strong>{" "}
                      {voice.is_default ? <span className="badge info">{t("voices.default")}</span> : null}
                      {voice.tone ? (
                        <div className="muted small" dir="auto">
                          {voice.tone}
                        </div>
                      ) : null}
                    </div>
                    {deleting === voice.id ? (
                      <div className="voice-actions" role="group" aria-label={t("voices.deleteConfirm", { name: voice.name })}>
                        <span className="small">{t("voices.deleteConfirm", { name: voice.name })}</span>
                        <button type="button" className="btn secondary small" onClick={() => setDeleting(null)}>
                          {t("ui.keepIt")}
                        </button>
                        <button
                          type="button"
                          className="btn danger small"
                          onClick={() =>
                            act(() => api(`/api/brand-voices/${voice.id}`, { method: "DELETE" }), t("voices.deleted")).then(
                              () => setDeleting(null),
                            )
                          }
                        >
                          {t("voices.delete")}
                        </button>
                      </div>
                    ) : (
                      <div className="voice-actions">
                        {voice.is_default ? null : (
                          <button
                            type="button"
                            className="btn secondary small"
                            aria-label={t("voices.makeDefaultNamed", { name: voice.name })}
                            onClick={() =>
                              act(
                                () => api(`/api/brand-voices/${voice.id}`, { method: "PUT", body: { is_default: true } }),
                                t("voices.defaultSet", { name: voice.name }),
                              )
                            }
                          >
                            {t("voices.makeDefault")}
                          </button>
                        )}
                        <button
                          type="button"
                          className="btn secondary small"
                          aria-label={t("voices.editNamed", { name: voice.name })}
                          onClick={() => setEditing(voice.id)}
                        >
                          {t("voices.edit")}
                        </button>
                        <button
                          type="button"
                          className="btn secondary small"
                          aria-label={t("voices.deleteNamed", { name: voice.name })}
                          onClick={() => setDeleting(voice.id)}
                        >
                          {t("voices.delete")}
                        </button>
                      </div>
                    )}
                  </li>
                ),
              )}
            </ul>
          </>
        )}
      </Loaded>
    </section>
  );
}

function VoiceEditor(props: {
  limits: VoiceLimits;
  initial: Draft;
  onCancel: () => void;
  onSave: (body: Record<string, unknown>) => Promise<unknown>;
}) {
  const { limits } = props;
  const [draft, setDraft] = useState<Draft>(props.initial);
  const [saving, setSaving] = useState(false);
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const prefer = splitWords(draft.prefer);
  const avoid = splitWords(draft.avoid);
  const tooMany = prefer.length > limits.words || avoid.length > limits.words;
  const tooLong = [...prefer, ...avoid].some((w) => w.length > limits.word_chars);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    await props.onSave({
      name: draft.name,
      tone: draft.tone,
      prefer_words: prefer,
      avoid_words: avoid,
      example: draft.example,
      is_default: draft.isDefault,
    });
    setSaving(false);
  };

  return (
    <form className="voice-editor" onSubmit={save} aria-label={t("voices.editor")}>
      <Field label={t("voices.name")}>
        {(id) => (
          <input
            id={id}
            type="text"
            required
            dir="auto"
            maxLength={limits.name_chars}
            value={draft.name}
            placeholder={t("voices.namePlaceholder")}
            onChange={(e) => set({ name: e.target.value })}
          />
        )}
      </Field>
      <Field
        label={t("voices.tone")}
        hint={t("voices.chars", { count: draft.tone.length, most: limits.tone_chars })}
        hintIsError={draft.tone.length > limits.tone_chars}
      >
        {(id, hintId) => (
          <textarea
            id={id}
            aria-describedby={hintId}
            rows={2}
            dir="auto"
            value={draft.tone}
            placeholder={t("voices.tonePlaceholder")}
            onChange={(e) => set({ tone: e.target.value })}
          />
        )}
      </Field>
      <Field label={t("voices.prefer")}>
        {(id) => (
          <input
            id={id}
            type="text"
            dir="auto"
            value={draft.prefer}
            placeholder={t("voices.preferPlaceholder")}
            onChange={(e) => set({ prefer: e.target.value })}
          />
        )}
      </Field>
      <Field
        label={t("voices.avoid")}
        hint={t("voices.wordsHint", { count: limits.words, chars: limits.word_chars })}
        hintIsError={tooMany || tooLong}
      >
        {(id, hintId) => (
          <input
            id={id}
            aria-describedby={hintId}
            type="text"
            dir="auto"
            value={draft.avoid}
            placeholder={t("voices.avoidPlaceholder")}
            onChange={(e) => set({ avoid: e.target.value })}
          />
        )}
      </Field>
      <Field label={t("voices.example")} hint={t("voices.exampleHint")}>
        {(id, hintId) => (
          <textarea
            id={id}
            aria-describedby={hintId}
            rows={4}
            dir="auto"
            maxLength={limits.example_chars}
            value={draft.example}
            placeholder={t("voices.examplePlaceholder")}
            onChange={(e) => set({ example: e.target.value })}
          />
        )}
      </Field>
      <label className="check-row">
        <input type="checkbox" checked={draft.isDefault} onChange={(e) => set({ isDefault: e.target.checked })} />
        <span>{t("voices.useAsDefault")}</span>
      </label>
      <div className="actions">
        <button type="button" className="btn secondary" onClick={props.onCancel}>
          {t("voices.cancel")}
        </button>
        <button
          type="submit"
          className="btn primary"
          disabled={saving || !draft.name.trim() || draft.tone.length > limits.tone_chars || tooMany || tooLong}
        >
          {saving ? t("ui.saving") : t("voices.save")}
        </button>
      </div>
    </form>
  );
}

/** A labelled control with an optional hint under it that describes it (kept out of its name). */
function Field(props: {
  label: string;
  hint?: string;
  hintIsError?: boolean;
  children: (id: string, hintId: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, hintId)}
      {props.hint ? (
        <span id={hintId} className={`small ${props.hintIsError ? "error-text" : "muted"}`}>
          {props.hint}
        </span>
      ) : null}
    </div>
  );
}
