import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api, ApiError, messageOf } from "../../api";
import { FieldChecks, inFieldOrder } from "../../components/FieldChecks";
import { LanguageSelect } from "../../components/LanguageSelect";
import { day, when } from "../../config";
import { useApp } from "../../context";
import { shopifyToast } from "../../host/shopify";
import { t, type Key } from "../../i18n";
import type { Attribute, AutomationMode, AutomationRules, SweepSchedule } from "../../types";
import { ErrorBox, Loaded, Notice } from "../../ui";
import { useApi } from "../../useApi";
import { OnlyEmptyOption } from "../optimise/OnlyEmptyOption";
import { VoiceChooser } from "../optimise/VoiceChooser";

const MODES: { id: AutomationMode; label: Key; hint: Key }[] = [
  { id: "off", label: "auto.mode.off", hint: "auto.mode.offHint" },
  { id: "review", label: "auto.mode.review", hint: "auto.mode.reviewHint" },
  { id: "publish", label: "auto.mode.publish", hint: "auto.mode.publishHint" },
];

const SWEEPS: { id: SweepSchedule; label: Key }[] = [
  { id: "off", label: "auto.sweep.off" },
  { id: "daily", label: "auto.sweep.daily" },
  { id: "weekly", label: "auto.sweep.weekly" },
];

/** The rules the owner edits; numbers stay as typed until saved, so the server judges them. */
interface Draft {
  mode: AutomationMode;
  attributes: Set<Attribute>;
  language: string;
  /** undefined: the store's default voice (voice_id null). */
  voice: number | undefined;
  onlyEmpty: boolean;
  minScore: string;
  cap: string;
  sweep: SweepSchedule;
}

/** The rules the server may refuse, as PUT /api/automation names them. */
const RULE_NAMES = [
  "mode",
  "paused",
  "attributes",
  "language",
  "voice_id",
  "only_empty",
  "min_score",
  "monthly_credit_cap",
  "sweep",
] as const;
type RuleName = (typeof RULE_NAMES)[number];

function draftOf(rules: AutomationRules): Draft {
  return {
    mode: rules.mode,
    attributes: new Set(rules.attributes),
    language: rules.language,
    voice: rules.voice_id ?? undefined,
    onlyEmpty: rules.only_empty,
    minScore: rules.min_score === null ? "" : String(rules.min_score),
    cap: String(rules.monthly_credit_cap),
    sweep: rules.sweep,
  };
}

/** A typed number as sent: empty is null; anything else as the number it reads as (the server refuses what is not allowed). */
function typedNumber(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

function bodyOf(draft: Draft): Record<string, unknown> {
  return {
    mode: draft.mode,
    attributes: inFieldOrder(draft.attributes),
    language: draft.language,
    voice_id: draft.voice ?? null,
    only_empty: draft.onlyEmpty,
    min_score: typedNumber(draft.minScore),
    monthly_credit_cap: typedNumber(draft.cap),
    sweep: draft.sweep,
  };
}

/** The rule a 422 names: the error's `field`, else the rule its sentence mentions first. */
function refusedRule(e: unknown): RuleName | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const named = e.details.field;
  if (typeof named === "string" && (RULE_NAMES as readonly string[]).includes(named)) return named as RuleName;
  const sentence = typeof e.details.message === "string" ? e.details.message : e.message;
  const places = RULE_NAMES.map((name) => ({ name, at: sentence.search(new RegExp(`\\b${name}\\b`)) }));
  const mentioned = places.filter((p) => p.at >= 0).sort((a, b) => a.at - b.at);
  return mentioned[0]?.name ?? null;
}

/** The id of the section's heading, for links that open it. */
export const AUTOMATION_SECTION = "automation-title";

/** Settings: automation's rules. New and changed products are improved on their own, as the owner chooses here. */
export function AutomationPanel() {
  const state = useApi<AutomationRules>("/api/automation");
  return (
    <section className="card narrow automation" aria-labelledby={AUTOMATION_SECTION} data-testid="automation">
      <h2 id={AUTOMATION_SECTION}>{t("auto.title")}</h2>
      <p className="muted small">{t("auto.intro")}</p>
      <Loaded state={state} loading={t("auto.loading")} error={(m) => t("auto.loadError", { error: m })}>
        {(rules) => <AutomationForm initial={rules} />}
      </Loaded>
    </section>
  );
}

function AutomationForm({ initial }: { initial: AutomationRules }) {
  const { me } = useApp();
  const [rules, setRules] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [refused, setRefused] = useState<{ rule: RuleName; text: string } | null>(null);
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const dirty = JSON.stringify(bodyOf(draft)) !== JSON.stringify(bodyOf(draftOf(rules)));

  // Inside Shopify the admin's toast says what went well; errors stay beside the rules.
  const said = (text: string) => setMessage(shopifyToast(text) ? null : { kind: "success", text });

  const send = async (body: Record<string, unknown>, done: string, keepDraft: boolean) => {
    setSaving(true);
    setMessage(null);
    setRefused(null);
    try {
      const saved = await api<AutomationRules>("/api/automation", { method: "PUT", body });
      setRules(saved);
      if (!keepDraft) setDraft(draftOf(saved));
      said(done);
    } catch (e) {
      const rule = refusedRule(e);
      if (rule) setRefused({ rule, text: t(`auto.invalid.${rule}` as Key) });
      else setMessage({ kind: "error", text: t("auto.error", { error: messageOf(e) }) });
    } finally {
      setSaving(false);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    void send(bodyOf(draft), t("auto.saved"), false);
  };
  const togglePause = () =>
    void send({ paused: !rules.paused }, t(rules.paused ? "auto.resumed" : "auto.pausedNow"), true);
  const errorOf = (rule: RuleName) => (refused?.rule === rule ? refused.text : undefined);

  return (
    // The server judges every rule: its refusal is shown beside the field it names.
    <form onSubmit={save} noValidate aria-labelledby={AUTOMATION_SECTION}>
      <AutomationStatus rules={rules} busy={saving} onTogglePause={togglePause} />

      <fieldset className="fields modes">
        <legend>{t("auto.mode")}</legend>
        {MODES.map((mode) => (
          <label key={mode.id} className="choice-row">
            <input
              type="radio"
              name="automation-mode"
              value={mode.id}
              checked={draft.mode === mode.id}
              onChange={() => set({ mode: mode.id })}
            />
            <span>
              <span className="choice-label">{t(mode.label)}</span>
              <span className="muted small">{t(mode.hint)}</span>
            </span>
          </label>
        ))}
        <FieldError text={errorOf("mode")} />
      </fieldset>

      <FieldChecks
        legend={t("auto.fields")}
        checked={draft.attributes}
        onChange={(attributes) => set({ attributes })}
        unavailable={me.store.unpublishable_fields}
      />
      <FieldError text={errorOf("attributes")} />
      <LanguageSelect label={t("auto.language")} value={draft.language} onChange={(language) => set({ language })} />
      <FieldError text={errorOf("language")} />
      <VoiceChooser value={draft.voice} onChange={(voice) => set({ voice: voice ?? undefined })} allowNone={false} />
      <FieldError text={errorOf("voice_id")} />
      <OnlyEmptyOption checked={draft.onlyEmpty} onChange={(onlyEmpty) => set({ onlyEmpty })} />

      <NumberField
        label={t("auto.minScore")}
        hint={t("auto.minScoreHint")}
        error={errorOf("min_score")}
        value={draft.minScore}
        onChange={(minScore) => set({ minScore })}
        placeholder={t("auto.minScoreNone")}
      />
      <NumberField
        label={t("auto.cap")}
        hint={t("auto.capHint")}
        error={errorOf("monthly_credit_cap")}
        value={draft.cap}
        onChange={(cap) => set({ cap })}
      >
        <span className="small" data-testid="automation-usage">
          {t("auto.capUsed", {
            used: rules.credits_used_this_month,
            count: rules.monthly_credit_cap,
            date: day(rules.period_resets_on),
          })}
        </span>
      </NumberField>

      <SweepField
        value={draft.sweep}
        onChange={(sweep) => set({ sweep })}
        error={errorOf("sweep")}
        next={rules.sweep === "off" ? null : rules.next_sweep_at}
        last={rules.last_sweep_at}
      />

      {message?.kind === "error" ? <ErrorBox message={message.text} /> : null}
      {message?.kind === "success" ? <Notice kind="success">{message.text}</Notice> : null}
      <div className="actions">
        <button type="submit" className="btn primary" disabled={saving || !dirty}>
          {saving ? t("ui.saving") : t("auto.save")}
        </button>
      </div>
    </form>
  );
}

/** Whether automation runs now, and the Pause/Resume button while it is on. */
function AutomationStatus(props: { rules: AutomationRules; busy: boolean; onTogglePause: () => void }) {
  const { rules } = props;
  if (rules.mode === "off") return null;
  const [kind, words]: ["warning" | "info" | "success", string] = rules.cap_reached
    ? ["warning", t("auto.status.capReached", { count: rules.monthly_credit_cap, date: day(rules.period_resets_on) })]
    : rules.paused
      ? ["info", t("auto.status.paused")]
      : ["success", t(rules.mode === "publish" ? "auto.status.publishing" : "auto.status.reviewing")];
  return (
    <div className={`notice ${kind}`} role="status" data-testid="automation-status">
      <span>{words}</span>
      <button type="button" className="btn secondary small" disabled={props.busy} onClick={props.onTogglePause}>
        {rules.paused ? t("auto.resume") : t("auto.pause")}
      </button>
    </div>
  );
}

function FieldError({ text, id }: { text: string | undefined; id?: string }) {
  return text ? (
    <p id={id} className="error-text" role="alert">
      {text}
    </p>
  ) : null;
}

/** A whole-number rule typed as text: what the server refuses is shown under it and names the input. */
function NumberField(props: {
  label: string;
  hint: string;
  error: string | undefined;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  children?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {props.label}
      </label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        className="number-input"
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : `${id}-hint`}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.children}
      <span id={`${id}-hint`} className="muted small">
        {props.hint}
      </span>
      <FieldError id={`${id}-error`} text={props.error} />
    </div>
  );
}

function SweepField(props: {
  value: SweepSchedule;
  onChange: (sweep: SweepSchedule) => void;
  error: string | undefined;
  next: string | null;
  last: string | null;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {t("auto.sweep")}
      </label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as SweepSchedule)}>
        {SWEEPS.map((s) => (
          <option key={s.id} value={s.id}>
            {t(s.label)}
          </option>
        ))}
      </select>
      <span className="muted small">{t("auto.sweepHint")}</span>
      {props.next ? (
        <span className="small" data-testid="automation-next-sweep">
          {t("auto.sweepNext", { date: when(props.next) })}
        </span>
      ) : null}
      {props.last ? <span className="muted small">{t("auto.sweepLast", { date: when(props.last) })}</span> : null}
      <FieldError text={props.error} />
    </div>
  );
}
