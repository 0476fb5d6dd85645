import { LANGUAGES } from "../config";

/** The languages the server offers for new text, named in the UI language. */
export function LanguageSelect({ label, value, onChange }: { label: string; value: string; onChange: (code: string) => void }) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
