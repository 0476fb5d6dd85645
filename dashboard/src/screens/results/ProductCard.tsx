import type { ReactNode } from "react";
import { t } from "../../i18n";
import { GooglePreview, type PreviewValues } from "./GooglePreview";
import { type ProductGroup, type ReviewItem, shownValue, viewOf } from "./model";
import { visibleText } from "./richtext";

/** What Google would show for the product, from the job's values and the owner's unsaved edits. */
export function previewValues(group: ProductGroup, drafts: ReadonlyMap<number, string>, duplicates: number): PreviewValues {
  const of = (attribute: string): ReviewItem | undefined => group.items.find((i) => i.attribute === attribute);
  const value = (item: ReviewItem | undefined) => (item ? shownValue(item, drafts.get(item.id)) : null);
  const titleItem = of("title");
  const title = value(titleItem) || group.title;
  const seoTitle = value(of("seo_title"));
  const meta = value(of("seo_description"));
  const description = value(of("description"));
  const names = [...new Set([group.title, titleItem && viewOf(titleItem) !== "rejected" ? title : group.title])];
  return {
    seoTitle: seoTitle || null,
    title,
    meta: meta || (description ? visibleText(description) : null),
    metaFromDescription: !meta && !!description,
    url: group.url,
    names,
    duplicates,
  };
}

/** A product of the job: its picture and name (a button that folds its fields away), its fields and its Google result. */
export function ProductCard(props: {
  group: ProductGroup;
  collapsed: boolean;
  onToggle: () => void;
  shown: number;
  preview: PreviewValues;
  children: ReactNode;
}) {
  const { group } = props;
  const bodyId = `product-${group.productId}`;
  return (
    <article className="card product-card" aria-label={group.title} data-testid="product-result" data-product={group.productId}>
      <h3 className="product-head">
        <button
          type="button"
          className="product-toggle"
          aria-expanded={!props.collapsed}
          aria-controls={bodyId}
          onClick={props.onToggle}
        >
          <span className="chevron" aria-hidden="true">
            {props.collapsed ? "▸" : "▾"}
          </span>
          {group.imageUrl ? (
            <img className="thumb" src={group.imageUrl} alt="" width={36} height={36} loading="lazy" />
          ) : (
            <span className="thumb avatar" aria-hidden="true">
              {group.title.slice(0, 1).toUpperCase()}
            </span>
          )}
          <span className="product-name" dir="auto">
            {group.title}
          </span>
          <span className="muted small product-count">{t("res.fieldsShown", { count: props.shown })}</span>
        </button>
      </h3>
      {props.collapsed ? null : (
        <div id={bodyId}>
          {props.children}
          <GooglePreview values={props.preview} />
        </div>
      )}
    </article>
  );
}
