import { t } from "../../i18n";
import type { Collection } from "../../types";
import { Empty, Loaded } from "../../ui";
import type { ApiState } from "../../useApi";

/** Picked collections: id → its number of products (what the cost counts). */
export type PickedCollections = Map<string, number>;

export function CollectionPicker(props: {
  collections: ApiState<{ collections: Collection[] }>;
  picked: PickedCollections;
  onChange: (next: PickedCollections) => void;
}) {
  const { picked, onChange } = props;
  const toggle = (c: Collection) => {
    const next = new Map(picked);
    if (next.has(c.id)) next.delete(c.id);
    else next.set(c.id, c.product_count ?? 0);
    onChange(next);
  };
  return (
    <Loaded
      state={props.collections}
      loading={t("opt.loadingCollections")}
      error={(error) => t("opt.collectionsError", { error })}
      isEmpty={(d) => d.collections.length === 0}
      empty={<Empty title={t("opt.noCollections")}>{t("opt.noCollectionsHint")}</Empty>}
    >
      {(d) => (
        <ul className="collection-list">
          {d.collections.map((c) => (
            <li key={c.id}>
              <label>
                <input type="checkbox" checked={picked.has(c.id)} onChange={() => toggle(c)} />
                <span>{c.name}</span>
                <span className="muted">{c.product_count != null ? t("count.products", { count: c.product_count }) : ""}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </Loaded>
  );
}
