import { FieldChecks } from "../../components/FieldChecks";
import { LanguageSelect } from "../../components/LanguageSelect";
import { useApp } from "../../context";
import { t } from "../../i18n";
import type { Draft } from "./draft";
import { OnlyEmptyOption } from "./OnlyEmptyOption";
import { VoiceChooser } from "./VoiceChooser";

/** What to improve and how: the fields, the language of the new text, the tone and instructions. */
export function JobOptions({ draft, onDraft }: { draft: Draft; onDraft: (change: Partial<Draft>) => void }) {
  const { me } = useApp();
  return (
    <>
      <FieldChecks
        legend={t("opt.fields")}
        checked={new Set(draft.fields)}
        onChange={(fields) => onDraft({ fields: [...fields] })}
        showLimits
        unavailable={me.store.unpublishable_fields}
      />
      <OnlyEmptyOption checked={draft.onlyEmpty} onChange={(onlyEmpty) => onDraft({ onlyEmpty })} />
      <LanguageSelect label={t("opt.language")} value={draft.lang} onChange={(lang) => onDraft({ lang })} />
      <VoiceChooser value={draft.voice} onChange={(voice) => onDraft({ voice })} />
      <label className="field">
        <span>{t("opt.tone")}</span>
        <input
          type="text"
          value={draft.tone}
          maxLength={500}
          dir="auto"
          placeholder={t("opt.tonePlaceholder")}
          onChange={(e) => onDraft({ tone: e.target.value })}
        />
      </label>
      <label className="field">
        <span>{t("opt.instructions")}</span>
        <textarea
          rows={3}
          value={draft.instructions}
          maxLength={1500}
          dir="auto"
          placeholder={t("opt.instructionsPlaceholder")}
          onChange={(e) => onDraft({ instructions: e.target.value })}
        />
      </label>
    </>
  );
}
