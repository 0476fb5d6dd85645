import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, messageOf } from "../api";
import { FIELDS, LANGUAGES } from "../config";
import { rich, t } from "../i18n";
import type { Shared } from "../App";
import type { Attribute, Collection, Product } from "../types";
import { Empty, ErrorBox, Loading } from "../ui";
import { UpgradeActions } from "./Billing";

const PAGE = 20;

interface ProductPage {
  products: Product[];
  next_cursor: string | null;
  total: number | null;
}

interface Shortage {
  required: number;
  remaining: number;
  fromServer: boolean;
}

export function Optimise({ shared }: { shared: Shared }) {
  const { me, settings } = shared;
  const [scope, setScope] = useState<"products" | "collections">("products");
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<ProductPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<Map<string, string>>(new Map());

  const [collections, setCollections] = useState<Collection[] | null>(null);
  const [collectionsError, setCollectionsError] = useState<string | null>(null);
  const [pickedCollections, setPickedCollections] = useState<Map<string, number>>(new Map());

  const [fields, setFields] = useState<Set<Attribute>>(new Set(settings.default_attributes));
  const [lang, setLang] = useState(settings.default_language);
  const [tone, setTone] = useState(settings.brand_voice);
  const [instructions, setInstructions] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [serverShortage, setServerShortage] = useState<Shortage | null>(null);

  const cursor = cursors[cursors.length - 1];

  const load = useCallback(() => {
    setLoading(true);
    setError(null);
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (search) params.set("q", search);
    if (cursor) params.set("cursor", cursor);
    api<ProductPage>(`/api/products?${params}`)
      .then((data) => setPage(data))
      .catch((e) => setError(t("opt.loadError", { error: messageOf(e) })))
      .finally(() => setLoading(false));
  }, [search, cursor]);

  useEffect(load, [load]);

  useEffect(() => {
    if (scope !== "collections" || collections !== null) return;
    api<{ collections: Collection[] }>("/api/collections")
      .then((d) => setCollections(d.collections))
      .catch((e) => setCollectionsError(t("opt.collectionsError", { error: messageOf(e) })));
  }, [scope, collections]);

  const productCount =
    scope === "products" ? picked.size : [...pickedCollections.values()].reduce((a, b) => a + b, 0);
  const cost = productCount * fields.size;
  const remaining = me.credits.remaining;
  const short = cost > remaining;
  const shortage: Shortage | null = serverShortage ?? (short ? { required: cost, remaining, fromServer: false } : null);

  useEffect(() => setServerShortage(null), [cost]);
  const shortageRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (serverShortage) shortageRef.current?.scrollIntoView({ block: "nearest" });
  }, [serverShortage]);

  const onPage = page?.products ?? [];
  const allOnPage = onPage.length > 0 && onPage.every((p) => picked.has(p.id));
  const someOnPage = onPage.some((p) => picked.has(p.id));

  const toggle = (p: Product) => {
    const next = new Map(picked);
    if (next.has(p.id)) next.delete(p.id);
    else next.set(p.id, p.title);
    setPicked(next);
  };
  const togglePage = () => {
    const next = new Map(picked);
    if (allOnPage) onPage.forEach((p) => next.delete(p.id));
    else onPage.forEach((p) => next.set(p.id, p.title));
    setPicked(next);
  };
  const toggleField = (f: Attribute) => {
    const next = new Set(fields);
    if (next.has(f)) next.delete(f);
    else next.add(f);
    setFields(next);
  };

  const changeLang = (value: string) => {
    setLang(value);
    shared.setWorkingLanguage(value);
  };

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    setSearch(query.trim());
    setCursors([null]);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (cost === 0 || short || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    const prompt = [
      tone.trim() && tone.trim() !== settings.brand_voice.trim() ? `Tone and brand voice: ${tone.trim()}` : "",
      instructions.trim(),
    ]
      .filter(Boolean)
      .join("\n");
    try {
      const res = await api<{ job_id: number; credits_charged: number; credits_remaining: number }>("/api/jobs", {
        method: "POST",
        body: {
          source_scope: scope,
          source_ids: scope === "products" ? [...picked.keys()] : [...pickedCollections.keys()],
          attributes: FIELDS.map((f) => f.id).filter((f) => fields.has(f)),
          target_lang: lang,
          user_prompt: prompt,
        },
      });
      shared.setMe({ ...me, credits: { ...me.credits, remaining: res.credits_remaining, used: me.credits.total - res.credits_remaining } });
      setPicked(new Map());
      setPickedCollections(new Map());
      shared.go("queue", res.job_id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 402) {
        const required = Number(err.details.required ?? cost);
        const left = Number(err.details.remaining ?? 0);
        setServerShortage({ required, remaining: left, fromServer: true });
        shared.setMe({ ...me, credits: { ...me.credits, remaining: left, used: me.credits.total - left } });
      } else {
        setSubmitError(t("opt.notStarted", { error: messageOf(err) }));
      }
    } finally {
      setSubmitting(false);
    }
  };

  const pageNumber = cursors.length;
  const totalPages = page?.total != null ? Math.max(1, Math.ceil(page.total / PAGE)) : null;

  return (
    <form className="optimise" onSubmit={submit} aria-labelledby="optimise-title">
      <div className="page-head">
        <div>
          <h1 id="optimise-title">{t("opt.title")}</h1>
          <p className="muted">{t("opt.intro")}</p>
        </div>
      </div>

      <div className="grid-2">
        <section className="card" aria-labelledby="pick-title">
          <div className="card-head">
            <h2 id="pick-title">{t("opt.step1")}</h2>
            <div className="segmented" role="radiogroup" aria-label={t("opt.whatToPick")}>
              <label className={scope === "products" ? "on" : ""}>
                <input type="radio" name="scope" checked={scope === "products"} onChange={() => setScope("products")} />
                {t("opt.scopeProducts")}
              </label>
              <label className={scope === "collections" ? "on" : ""}>
                <input
                  type="radio"
                  name="scope"
                  checked={scope === "collections"}
                  onChange={() => setScope("collections")}
                />
                {t("opt.scopeCollections")}
              </label>
            </div>
          </div>

          {scope === "products" ? (
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
                <ErrorBox message={error} onRetry={load} />
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
                      <tr key={p.id} className={picked.has(p.id) ? "selected" : ""} onClick={(e) => {
                        if ((e.target as HTMLElement).tagName !== "INPUT") toggle(p);
                      }}>
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
          ) : collectionsError ? (
            <ErrorBox message={collectionsError} onRetry={() => { setCollectionsError(null); setCollections(null); }} />
          ) : collections === null ? (
            <Loading label={t("opt.loadingCollections")} />
          ) : collections.length === 0 ? (
            <Empty title={t("opt.noCollections")}>{t("opt.noCollectionsHint")}</Empty>
          ) : (
            <ul className="collection-list">
              {collections.map((c) => (
                <li key={c.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={pickedCollections.has(c.id)}
                      onChange={() => {
                        const next = new Map(pickedCollections);
                        if (next.has(c.id)) next.delete(c.id);
                        else next.set(c.id, c.product_count ?? 0);
                        setPickedCollections(next);
                      }}
                    />
                    <span>{c.name}</span>
                    <span className="muted">{c.product_count != null ? t("count.products", { count: c.product_count }) : ""}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card sticky" aria-labelledby="fields-title">
          <h2 id="fields-title">{t("opt.step2")}</h2>
          <fieldset className="fields">
            <legend>{t("opt.fields")}</legend>
            {FIELDS.map((f) => (
              <label key={f.id} className="check-row">
                <input type="checkbox" checked={fields.has(f.id)} onChange={() => toggleField(f.id)} />
                <span>{f.label}</span>
                {f.limit ? <span className="muted small">{t("opt.upTo", { count: f.limit })}</span> : null}
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>{t("opt.language")}</span>
            <select value={lang} onChange={(e) => changeLang(e.target.value)}>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t("opt.tone")}</span>
            <input
              type="text"
              value={tone}
              maxLength={500}
              placeholder={t("opt.tonePlaceholder")}
              onChange={(e) => setTone(e.target.value)}
            />
          </label>
          <label className="field">
            <span>{t("opt.instructions")}</span>
            <textarea
              rows={3}
              value={instructions}
              maxLength={1500}
              placeholder={t("opt.instructionsPlaceholder")}
              onChange={(e) => setInstructions(e.target.value)}
            />
          </label>

          <div className={`cost${shortage ? " short" : ""}`} aria-live="polite" data-testid="cost-line">
            {productCount === 0 || fields.size === 0 ? (
              <span className="muted">
                {productCount === 0 ? t("opt.pickProducts") : t("opt.pickField")}
              </span>
            ) : (
              <span>
                {rich("opt.costLine", {
                  products: t("opt.costProducts", { count: productCount }),
                  fields: t("opt.costFields", { count: fields.size }),
                  credits: <strong>{t("opt.costCredits", { count: cost })}</strong>,
                  left: short
                    ? t("opt.costOnlyLeft", { count: remaining })
                    : t("opt.costLeft", { count: remaining - cost }),
                })}
              </span>
            )}
          </div>
          {shortage ? (
            <div className="notice warning" role="alert" data-testid="shortage" ref={shortageRef}>
              <div>
                <strong>{t("opt.shortTitle")}</strong>{" "}
                {shortage.fromServer ? t("opt.shortChanged") : ""}
                {t("opt.shortBody", { count: shortage.required, left: shortage.remaining })}
              </div>
              <UpgradeActions shared={shared} compact />
            </div>
          ) : null}
          {submitError ? <ErrorBox message={submitError} /> : null}
          <button
            type="submit"
            className="btn primary wide"
            disabled={cost === 0 || !!shortage || submitting}
          >
            {submitting ? t("opt.starting") : cost ? t("opt.improveFor", { count: cost }) : t("opt.improve")}
          </button>
        </section>
      </div>
    </form>
  );
}
