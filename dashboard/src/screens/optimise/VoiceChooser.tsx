import { useId } from "react";
import { t } from "../../i18n";
import { useApi } from "../../useApi";
import type { VoiceList } from "../settings/voiceTypes";

/**
 * The brand voice of a new job: `undefined` leaves the choice to the server (the store's default
 * voice), `null` asks for none, a number names a voice. Hidden until the store saves a voice.
 * Without `allowNone` there is no "No brand voice" choice (automation always writes in a voice).
 */
export function VoiceChooser({
  value,
  onChange,
  allowNone = true,
}: {
  value: number | null | undefined;
  onChange: (voice: number | null | undefined) => void;
  allowNone?: boolean;
}) {
  const id = useId();
  const { data } = useApi<VoiceList>("/api/brand-voices");
  if (!data || data.voices.length === 0) return null;
  const fallback = data.voices.find((v) => v.is_default);
  const selected = value === undefined ? "default" : value === null ? "none" : String(value);
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {t("opt.voice")}
      </label>
      <select
        id={id}
        value={selected}
        onChange={(e) => {
          const v = e.target.value;
          onChange(v === "default" ? undefined : v === "none" ? null : Number(v));
        }}
      >
        <option value="default">{fallback ? t("opt.voiceDefault", { name: fallback.name }) : t("opt.voiceNone")}</option>
        {data.voices
          .filter((v) => v !== fallback)
          .map((v) => (
            <option key={v.id} value={String(v.id)}>
              {v.name}
            </option>
          ))}
        {fallback && allowNone ? <option value="none">{t("opt.voiceNone")}</option> : null}
      </select>
    </div>
  );
}
