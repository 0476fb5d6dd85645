import { FIELDS } from "../config";
import { t } from "../i18n";
import type { Key } from "../i18n/locales/en";
import type { Attribute } from "../types";

/** Why the server says a field cannot be published in this store, in the dashboard's words. */
const UNPUBLISHABLE_REASONS: Record<string, Key> = { no_seo_plugin: "opt.noSeoPlugin" };

/** A checkbox per field the server improves; with `showLimits`, each field's limit beside it.
 * Fields the store cannot publish (`unavailable`, field → reason code) are greyed out, with why. */
export function FieldChecks(props: {
  legend: string;
  checked: ReadonlySet<Attribute>;
  onChange: (checked: Set<Attribute>) => void;
  showLimits?: boolean;
  unavailable?: Partial<Record<Attribute, string>>;
}) {
  const unavailable = props.unavailable ?? {};
  const reasons = [...new Set(Object.values(unavailable))];
  const toggle = (id: Attribute) => {
    const next = new Set(props.checked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    props.onChange(next);
  };
  return (
    <fieldset className="fields">
      <legend>{props.legend}</legend>
      {FIELDS.map((f) => (
        <label key={f.id} className={unavailable[f.id] ? "check-row unavailable" : "check-row"}>
          <input
            type="checkbox"
            checked={props.checked.has(f.id) && !unavailable[f.id]}
            disabled={Boolean(unavailable[f.id])}
            aria-describedby={unavailable[f.id] ? `unavailable-${unavailable[f.id]}` : undefined}
            onChange={() => toggle(f.id)}
          />
          <span>{f.label}</span>
          {props.showLimits && f.limit ? <span className="muted small">{t("opt.upTo", { count: f.limit })}</span> : null}
        </label>
      ))}
      {reasons.map((reason) => (
        <p key={reason} id={`unavailable-${reason}`} className="muted small">
          {t(UNPUBLISHABLE_REASONS[reason] ?? "opt.cannotPublish")}
        </p>
      ))}
    </fieldset>
  );
}

/** The checked fields in the server's order, as a request lists them. */
export function inFieldOrder(checked: ReadonlySet<Attribute>): Attribute[] {
  return FIELDS.map((f) => f.id).filter((id) => checked.has(id));
}
