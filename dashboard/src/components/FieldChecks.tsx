import { FIELDS } from "../config";
import { t } from "../i18n";
import type { Attribute } from "../types";

/** A checkbox per field the server improves; with `showLimits`, each field's limit beside it. */
export function FieldChecks(props: {
  legend: string;
  checked: ReadonlySet<Attribute>;
  onChange: (checked: Set<Attribute>) => void;
  showLimits?: boolean;
}) {
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
        <label key={f.id} className="check-row">
          <input type="checkbox" checked={props.checked.has(f.id)} onChange={() => toggle(f.id)} />
          <span>{f.label}</span>
          {props.showLimits && f.limit ? <span className="muted small">{t("opt.upTo", { count: f.limit })}</span> : null}
        </label>
      ))}
    </fieldset>
  );
}

/** The checked fields in the server's order, as a request lists them. */
export function inFieldOrder(checked: ReadonlySet<Attribute>): Attribute[] {
  return FIELDS.map((f) => f.id).filter((id) => checked.has(id));
}
