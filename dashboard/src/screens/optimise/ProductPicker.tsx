import { useState, type SyntheticEvent } from "react";
import { t } from "../../i18n";
import type { Product } from "../../types";
import { Empty, ErrorBox, Loading } from "../../ui";
import { useApi } from "../../useApi";

const PAGE = 20;

interface ProductPage {
  products: Product[];
  next_cursor: string | null;
  total: number | null;
}

/** Picked products: id → title. */
export type Picked = Map<string, string>;

/**
 * Search and page through the store's products and pick some. Stays mounted while the collections
 * are shown (`active` false), so the search and the page are where the owner left them.
 */
export function ProductPicker({ active, picked, onChange }: { active: boolean; picked: Picked; onChange: (next: Picked) => void }) {
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (search) params.set("q", search);
  if (cursor) params.set("cursor", cursor);
  const { data: page, error, loading, reload } = useApi<ProductPage>(`/api/products?${params}`);

  if (!active) return null;

  const onPage = page?.products ?? [];
  const allOnPage = onPage.length > 0 && onPage.every((p) => picked.has(p.id));
  const someOnPage = onPage.some((p) => picked.has(p.id));

  const toggle = (p: Product) => {
    const next = new Map(picked);
    if (next.has(p.id)) next.delete(p.id);
    else next.set(p.id, p.title);
    onChange(next);
  };
  const togglePage = () => {
    const next = new Map(picked);
    if (allOnPage) onPage.forEach((p) => next.delete(p.id));
    else onPage.forEach((p) => next.set(p.id, p.title));
    onChange(next);
  };
  const onSearch = (e: SyntheticEvent) => {
    e.preventDefault();
    setSearch(query.trim());
    setCursors([null]);
  };

  const pageNumber = cursors.length;
  const totalPages = page?.total != null ? Math.max(1, Math.ceil(page.total / PAGE)) : null;

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
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onSearch(e);
          }}
        />
        <button type="button" className="btn secondary" onClick={onSearch}>
          {t("opt.search")}
        </button>
      </div>
      {error ? (
        <ErrorBox message={t("opt.loadError", { error })} onRetry={reload} />
      ) : loading && !page ? (
        <Loading label={t("opt.loadingProducts")} />
      ) : onPage.length === 0 ? (
        <Empty title={search ? t("opt.noMatch", { search }) : t("opt.noProducts")}>
          {search ? t("opt.noMatchHint") : t("opt.noProductsHint")}
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
                    if (el) el.indeterminate = someOnPage && !allOnPage;
                  }}
                  onChange={togglePage}
                />
              </th>
              <th>{t("opt.colProduct")}</th>
              <th className="hide-narrow">{t("opt.colSeoTitle")}</th>
            </tr>
          </thead>
          <tbody>
            {onPage.map((p) => (
              <tr
                key={p.id}
                className={picked.has(p.id) ? "selected" : ""}
                onClick={(e) => {
                  if ((e.target as HTMLElement).tagName !== "INPUT") toggle(p);
                }}
              >
                <td className="check">
                  <input
                    type="checkbox"
                    aria-label={t("opt.selectProduct", { title: p.title || t("opt.untitledLower") })}
                    checked={picked.has(p.id)}
                    onChange={() => toggle(p)}
                  />
                </td>
                <td>
                  <div className="product-cell">
                    <span className="avatar" aria-hidden="true">
                      {(p.title || "?").trim().charAt(0).toUpperCase()}
                    </span>
                    <span>{p.title || <em className="muted">{t("ui.untitledProduct")}</em>}</span>
                  </div>
                </td>
                <td className="muted hide-narrow clip">{p.seo_title || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <span className="muted">
          {picked.size ? t("opt.selected", { count: picked.size }) : t("opt.noneSelected")}
          {page?.total != null ? ` · ${t("opt.inStore", { count: page.total })}` : ""}
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
          <span className="muted" aria-live="polite">
            {totalPages
              ? t("opt.pageOf", { page: String(pageNumber), pages: String(totalPages) })
              : t("opt.page", { page: String(pageNumber) })}
          </span>
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
