import { useState, type SyntheticEvent } from "react";
import { FIELDS } from "../../config";
import { t } from "../../i18n";
import type { Attribute, Collection, Product } from "../../types";
import { Empty, ErrorBox, Loading } from "../../ui";
import { useApi } from "../../useApi";
import { filterQuery, hasFilters, NO_FILTERS, type Draft, type Filters } from "./draft";
import { DuplicateFilter, DuplicateTag } from "./DuplicateFilter";

const PAGE = 20;

interface ProductPage {
  products: Product[];
  next_cursor: string | null;
  total: number | null;
}

/** Picked products: id → title. */
export type Picked = Map<string, string>;

/** The fields a product has nothing in, as a shopper would see it. */
function missingFields(p: Product): Attribute[] {
  const empty = (value: string | null | undefined) => !value || !value.replace(/<[^>]*>/g, "").trim();
  const values: Record<Attribute, string> = {
    title: p.title,
    description: p.description_html,
    seo_title: p.seo_title,
    seo_description: p.seo_description,
  };
  return FIELDS.map((f) => f.id).filter((id) => empty(values[id]));
}

/** GET /api/products parameters for the filters, the page and its size. */
export function productParams(filters: Filters, cursor: string | null): URLSearchParams {
  const query = filterQuery(filters);
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (query.q) params.set("q", query.q);
  if (query.collection_id) params.set("collection_id", query.collection_id);
  for (const field of query.missing ?? []) params.append("missing", field);
  if (query.optimised === false) params.set("optimised", "false");
  if (query.duplicate) params.set("duplicate", "true");
  if (cursor) params.set("cursor", cursor);
  return params;
}

/** A product's photo at a fixed size, loaded only when it scrolls near; its initial until then or when it fails. */
function Thumb({ product }: { product: Product }) {
  const [failed, setFailed] = useState(false);
  const name = product.title || t("ui.untitledProduct");
  const initial = (product.title || "?").trim().charAt(0).toUpperCase();
  return (
    <span className="thumb" data-initial={initial}>
      {product.image_url && !failed ? (
        <img
          src={product.image_url}
          alt={t("opt.photoOf", { title: name })}
          width={40}
          height={40}
          loading="lazy"
          decoding="async"
          onError={() => setFailed(true)}
        />
      ) : (
        <span className="thumb-placeholder" aria-hidden="true">
          {initial}
        </span>
      )}
    </span>
  );
}

/**
 * Filter, search and page through the store's products and pick some, or every product the filters
 * match. Stays mounted while the collections are shown (`active` false), so the page is where the
 * owner left it.
 */
export function ProductPicker(props: {
  active: boolean;
  draft: Draft;
  onDraft: (change: Partial<Draft>) => void;
}) {
  const { draft, onDraft } = props;
  const { filters, matching } = draft;
  const picked: Picked = new Map(draft.picked);
  const [text, setText] = useState(filters.q);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const { data: page, error, loading, reload } = useApi<ProductPage>(`/api/products?${productParams(filters, cursor)}`);
  // The collections are asked for once the owner reaches for the collection filter.
  const [wantCollections, setWantCollections] = useState(filters.collection_id !== "");
  const collections = useApi<{ collections: Collection[] }>(wantCollections ? "/api/collections" : null);

  if (!props.active) return null;

  const onPage = page?.products ?? [];
  const allOnPage = !!matching || (onPage.length > 0 && onPage.every((p) => picked.has(p.id)));
  const someOnPage = onPage.some((p) => picked.has(p.id));
  const total = page?.total ?? null;

  const setPicked = (next: Picked) => onDraft({ picked: [...next.entries()], matching: null });
  const setFilters = (next: Filters) => {
    setCursors([null]);
    // "All N matching" meant the old filters: a new filter asks again.
    onDraft({ filters: next, matching: null });
  };
  const toggle = (p: Product) => {
    const next = new Map(picked);
    if (next.has(p.id)) next.delete(p.id);
    else next.set(p.id, p.title);
    setPicked(next);
  };
  const togglePage = () => {
    if (matching) {
      onDraft({ matching: null });
      return;
    }
    const next = new Map(picked);
    if (allOnPage) onPage.forEach((p) => next.delete(p.id));
    else onPage.forEach((p) => next.set(p.id, p.title));
    setPicked(next);
  };
  const onSearch = (e: SyntheticEvent) => {
    e.preventDefault();
    setFilters({ ...filters, q: text.trim() });
  };
  const toggleMissing = (field: Attribute) => {
    const missing = filters.missing.includes(field) ? filters.missing.filter((f) => f !== field) : [...filters.missing, field];
    setFilters({ ...filters, missing: FIELDS.map((f) => f.id).filter((id) => missing.includes(id)) });
  };

  const pageNumber = cursors.length;
  const totalPages = total != null ? Math.max(1, Math.ceil(total / PAGE)) : null;
  const filtered = hasFilters(filters);
  const selectedCount = matching ? matching.total : picked.size;

  return (
    <>
      <div className="search-row" role="search">
        <label htmlFor="product-search" className="sr-only">
          {t("opt.searchLabel")}
        </label>
        <input
          id="product-search"
          type="search"
          placeholder={t("opt.searchPlaceholder")}
          value={text}
          dir="auto"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onSearch(e);
          }}
        />
        <button type="button" className="btn secondary" onClick={onSearch}>
          {t("opt.search")}
        </button>
      </div>
      <fieldset className="filters" data-testid="filters">
        <legend className="sr-only">{t("opt.filters")}</legend>
        <div className="filter-group" role="group" aria-label={t("opt.filterMissing")}>
          <span className="filter-label">{t("opt.filterMissing")}</span>
          {FIELDS.map((f) => (
            <label key={f.id} className={`chip${filters.missing.includes(f.id) ? " on" : ""}`}>
              <input type="checkbox" checked={filters.missing.includes(f.id)} onChange={() => toggleMissing(f.id)} />
              {t("opt.missingField", { field: f.label })}
            </label>
          ))}
          <label className={`chip${filters.optimised === "never" ? " on" : ""}`}>
            <input
              type="checkbox"
              checked={filters.optimised === "never"}
              onChange={(e) => setFilters({ ...filters, optimised: e.target.checked ? "never" : "" })}
            />
            {t("opt.neverOptimised")}
          </label>
          <DuplicateFilter filters={filters} onChange={setFilters} />
        </div>
        <div className="filter-group">
          <label className="filter-select">
            <span className="filter-label">{t("opt.filterCollection")}</span>
            <select
              value={filters.collection_id}
              onChange={(e) => setFilters({ ...filters, collection_id: e.target.value })}
              onFocus={() => setWantCollections(true)}
              onPointerDown={() => setWantCollections(true)}
            >
              <option value="">{collections.loading ? t("opt.loadingCollections") : t("opt.anyCollection")}</option>
              {(collections.data?.collections ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          {filtered ? (
            <button
              type="button"
              className="link small"
              onClick={() => {
                setText("");
                setFilters(NO_FILTERS);
              }}
            >
              {t("opt.clearFilters")}
            </button>
          ) : null}
        </div>
      </fieldset>

      <div className="selection-bar" data-testid="selection-bar">
        <span aria-live="polite">
          {selectedCount
            ? matching
              ? t("opt.allMatchingSelected", { count: matching.total })
              : t("opt.selected", { count: picked.size })
            : t("opt.noneSelected")}
          {total != null ? ` · ${t(filtered ? "opt.matching" : "opt.inStore", { count: total })}` : ""}
        </span>
        <span className="selection-actions">
          {!matching && total != null && total > 0 && total > picked.size ? (
            <button type="button" className="btn secondary small" onClick={() => onDraft({ matching: { query: filterQuery(filters), total }, picked: [] })}>
              {t(filtered ? "opt.selectAllMatching" : "opt.selectAllInStore", { count: total })}
            </button>
          ) : null}
          {selectedCount ? (
            <button type="button" className="link small" onClick={() => onDraft({ matching: null, picked: [] })}>
              {t("opt.clearSelection")}
            </button>
          ) : null}
        </span>
      </div>

      {error ? (
        <ErrorBox message={t("opt.loadError", { error })} onRetry={reload} />
      ) : loading && !page ? (
        <Loading label={t("opt.loadingProducts")} />
      ) : onPage.length === 0 ? (
        <Empty title={filtered ? t("opt.noMatchFilters") : t("opt.noProducts")}>
          {filtered ? t("opt.noMatchHint") : t("opt.noProductsHint")}
        </Empty>
      ) : (
        <table className="table products" aria-busy={loading}>
          <thead>
            <tr>
              <th className="check">
                <input
                  type="checkbox"
                  aria-label={t("opt.selectPage")}
                  checked={allOnPage}
                  ref={(el) => {
                    if (el) el.indeterminate = !matching && someOnPage && !allOnPage;
                  }}
                  onChange={togglePage}
                />
              </th>
              <th>{t("opt.colProduct")}</th>
              <th className="hide-narrow">{t("opt.colSeoTitle")}</th>
            </tr>
          </thead>
          <tbody>
            {onPage.map((p) => {
              const missing = missingFields(p);
              const checked = !!matching || picked.has(p.id);
              return (
                <tr
                  key={p.id}
                  className={checked ? "selected" : ""}
                  onClick={(e) => {
                    if (matching || (e.target as HTMLElement).closest("input, a, button")) return;
                    toggle(p);
                  }}
                >
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={t("opt.selectProduct", { title: p.title || t("opt.untitledLower") })}
                      checked={checked}
                      disabled={!!matching}
                      onChange={() => toggle(p)}
                    />
                  </td>
                  <td>
                    <div className="product-cell">
                      <Thumb product={p} />
                      <span className="product-words">
                        <span className="product-title" dir="auto">
                          {p.title || <em className="muted">{t("ui.untitledProduct")}</em>}
                        </span>
                        {missing.length || p.optimised_at || p.duplicate_of?.length ? (
                          <span className="product-tags">
                            {missing.map((field) => (
                              <span key={field} className="tag warning">
                                {t("opt.tagMissing", { field: FIELDS.find((f) => f.id === field)?.label ?? field })}
                              </span>
                            ))}
                            {p.optimised_at ? <span className="tag success">{t("opt.tagOptimised")}</span> : null}
                            <DuplicateTag product={p} />
                          </span>
                        ) : null}
                      </span>
                    </div>
                  </td>
                  <td className="muted hide-narrow clip" dir="auto">
                    {p.seo_title || "—"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="pager">
        <span className="muted">
          {totalPages
            ? t("opt.pageOf", { page: String(pageNumber), pages: String(totalPages) })
            : t("opt.page", { page: String(pageNumber) })}
        </span>
        <div className="pager-buttons">
          <button
            type="button"
            className="btn secondary small"
            disabled={cursors.length <= 1 || loading}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            {t("opt.previous")}
          </button>
          <button
            type="button"
            className="btn secondary small"
            disabled={!page?.next_cursor || loading}
            onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}
          >
            {t("opt.next")}
          </button>
        </div>
      </div>
    </>
  );
}
