import { t } from "../../i18n";
import type { Product } from "../../types";
import type { Filters } from "./draft";

/** The picker's "duplicate or near-duplicate description" filter (GET /api/products?duplicate=true). */
export function DuplicateFilter({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const on = Boolean(filters.duplicate);
  return (
    <label className={`chip${on ? " on" : ""}`}>
      <input type="checkbox" checked={on} onChange={(e) => onChange({ ...filters, duplicate: e.target.checked })} />
      {t("opt.duplicateDescription")}
    </label>
  );
}

/** A product row's tag when its description is near another product's (`duplicate_of`). */
export function DuplicateTag({ product }: { product: Product }) {
  const count = product.duplicate_of?.length ?? 0;
  if (!count) return null;
  return (
    <span className="tag warning" title={t("opt.duplicateOf", { count })}>
      {t("opt.tagDuplicate")}
    </span>
  );
}
