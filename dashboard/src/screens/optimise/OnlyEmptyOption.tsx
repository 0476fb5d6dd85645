import { t } from "../../i18n";

/** Write only the fields that have no value yet: the others are skipped and not charged. */
export function OnlyEmptyOption({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="check-row" data-testid="only-empty">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        {t("opt.onlyEmpty")} <span className="muted">{t("opt.onlyEmptyHint")}</span>
      </span>
    </label>
  );
}
