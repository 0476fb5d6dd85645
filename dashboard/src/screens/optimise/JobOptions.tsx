import { FieldChecks } from "../../components/FieldChecks";
import { LanguageSelect } from "../../components/LanguageSelect";
import { useApp } from "../../context";
import { t } from "../../i18n";
import type { Attribute } from "../../types";
import { VoiceChooser } from "./VoiceChooser";

export interface Options {
  fields: Set<Attribute>;
  lang: string;
  tone: string;
  instructions: string;
  /** The brand voice: undefined leaves it to the store's default, null asks for none. */
  voice?: number | null;
}

/** What to improve and how: the fields, the language of the new text, the tone and instructions. */
export function JobOptions({ options, onChange }: { options: Options; onChange: (next: Options) => void }) {
  const { me } = useApp();
  const set = (change: Partial<Options>) => onChange({ ...options, ...change });
  return (
    <>
      <FieldChecks
        legend={t("opt.fields")}
        checked={options.fields}
        onChange={(fields) => set({ fields })}
        showLimits
        unavailable={me.store.unpublishable_fields}
      />
      <LanguageSelect label={t("opt.language")} value={options.lang} onChange={(lang) => set({ lang })} />
      <VoiceChooser value={options.voice} onChange={(voice) => set({ voice })} />
      <label className="field">
        <span>{t("opt.tone")}</span>
        <input
          type="text"
          value={options.tone}
          maxLength={500}
          placeholder={t("opt.tonePlaceholder")}
          onChange={(e) => set({ tone: e.target.value })}
        />
      </label>
      <label className="field">
        <span>{t("opt.instructions")}</span>
        <textarea
          rows={3}
          value={options.instructions}
          maxLength={1500}
          placeholder={t("opt.instructionsPlaceholder")}
          onChange={(e) => set({ instructions: e.target.value })}
        />
      </label>
    </>
  );
}
