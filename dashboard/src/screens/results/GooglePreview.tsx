/**
 * A product's Google result as a shopper would see it, from the values in the job (the owner's
 * unsaved edit first): the title in Arial 20 px cut with "…" past its width, the page's address as
 * a breadcrumb, and the meta description in Arial 14 px. Widths are measured with canvas
 * `measureText`, as search result previews do; the limits are those SEO tools use for Google's
 * layout (desktop: title 600 px, description about 920 px over two lines; phone: title two lines
 * of about 330 px, description about 680 px).
 */
import { useId, useState } from "react";
import { t } from "../../i18n";
import { visibleText } from "./richtext";

const FONT = 'Arial, "Liberation Sans", Helvetica, sans-serif';
const TITLE_FONT = `20px ${FONT}`;
const META_FONT = `14px ${FONT}`;

export const LAYOUTS = {
  desktop: { box: 600, title: 600, meta: 920 },
  mobile: { box: 330, title: 660, meta: 680 },
} as const;
export type Layout = keyof typeof LAYOUTS;
/** The result box's padding on both sides (styles.css .serp-result), on top of the text's width. */
const PADDING = 28;

let context: CanvasRenderingContext2D | null = null;

/** The width in CSS pixels of `text` drawn in `font`. */
export function textWidth(text: string, font: string): number {
  context ??= document.createElement("canvas").getContext("2d");
  if (!context) return text.length * 8;
  context.font = font;
  return context.measureText(text).width;
}

/** `text` whole when it fits in `limit` px, else its longest start that fits with "…" after it. */
export function truncate(text: string, font: string, limit: number): { shown: string; cut: boolean; width: number } {
  const width = textWidth(text, font);
  if (width <= limit) return { shown: text, cut: false, width };
  const room = limit - textWidth(" …", font);
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(text.slice(0, mid), font) <= room) lo = mid;
    else hi = mid - 1;
  }
  let end = lo;
  const space = text.lastIndexOf(" ", lo);
  if (space > lo * 0.6) end = space; // Google cuts between words when it can
  return { shown: `${text.slice(0, end).trimEnd()} …`, cut: true, width };
}

/** "example.com › products › red-shoe" from a product's address. */
export function breadcrumb(url: string | null): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    const parts = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    return [u.host.replace(/^www\./, ""), ...parts].join(" › ");
  } catch {
    return url;
  }
}

function fold(s: string): string {
  return s.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** The product's name without what shops add after a separator ("Linen shirt – Blue, M" → "Linen shirt"). */
function nameCore(name: string): string {
  return fold(name.split(/\s[|–—:-]\s|[,(]/)[0] ?? name);
}

/** Whether the SEO title names the product. */
export function namesProduct(seoTitle: string, names: string[]): boolean {
  const title = ` ${fold(seoTitle)} `;
  return names.some((n) => {
    const core = nameCore(n);
    return core.length > 0 && title.includes(` ${core} `);
  });
}

export function normaliseTitle(s: string): string {
  return fold(s);
}

export interface PreviewValues {
  /** The SEO title the job sets, if it has that field. */
  seoTitle: string | null;
  /** The product's title (the job's value, else the one it had). */
  title: string;
  meta: string | null;
  /** True when `meta` is the description's text, Google's fallback without a meta description. */
  metaFromDescription: boolean;
  url: string | null;
  names: string[];
  /** Other products of this job with the same SEO title. */
  duplicates: number;
}

export function GooglePreview({ values }: { values: PreviewValues }) {
  const [layout, setLayout] = useState<Layout>(() => (window.innerWidth < 700 ? "mobile" : "desktop"));
  const group = useId();
  const size = LAYOUTS[layout];
  const titleText = values.seoTitle ?? values.title;
  const title = truncate(titleText, TITLE_FONT, size.title);
  const metaText = values.meta ? visibleText(values.meta) : "";
  const meta = truncate(metaText, META_FONT, size.meta);
  const crumbs = breadcrumb(values.url);

  const hints: { ok: boolean; text: string; id: string }[] = [];
  hints.push(
    title.cut
      ? { ok: false, id: "title-cut", text: t("seo.titleCut", { over: Math.ceil(title.width - size.title) }) }
      : { ok: true, id: "title-fits", text: t("seo.titleFits") },
  );
  if (!metaText) hints.push({ ok: false, id: "meta-missing", text: t("seo.metaMissing") });
  else if (meta.cut) hints.push({ ok: false, id: "meta-cut", text: t("seo.metaCut", { over: Math.ceil(meta.width - size.meta) }) });
  else hints.push({ ok: true, id: "meta-fits", text: t("seo.metaFits") });
  if (values.seoTitle !== null) {
    hints.push(
      namesProduct(values.seoTitle, values.names)
        ? { ok: true, id: "name-in", text: t("seo.nameIn") }
        : { ok: false, id: "name-missing", text: t("seo.nameMissing", { name: values.names[0] ?? "" }) },
    );
  }
  if (values.duplicates > 0) {
    hints.push({ ok: false, id: "duplicate", text: t("seo.duplicate", { count: values.duplicates }) });
  }
  const problems = hints.filter((h) => !h.ok).length;

  return (
    <details className="serp" data-testid="google-preview">
      <summary>
        {t("seo.preview")}
        <span className={`badge ${problems ? "warning" : "neutral"}`}>
          {problems ? t("seo.hints", { count: problems }) : t("seo.allGood")}
        </span>
      </summary>
      <div className="serp-body">
        <div className="segmented" role="radiogroup" aria-label={t("seo.layout")}>
          {(["desktop", "mobile"] as const).map((l) => (
            <label key={l} className={layout === l ? "on" : ""}>
              <input type="radio" name={group} checked={layout === l} onChange={() => setLayout(l)} />
              {t(l === "desktop" ? "seo.desktop" : "seo.mobile")}
            </label>
          ))}
        </div>
        <div className={`serp-result ${layout}`} style={{ maxWidth: size.box + PADDING }} dir="auto" data-layout={layout}>
          <div className="serp-site">
            <span className="serp-icon" aria-hidden="true" />
            <span className="serp-crumbs" data-testid="serp-url">
              {crumbs || t("seo.noUrl")}
            </span>
          </div>
          <div className="serp-title" data-testid="serp-title" data-cut={title.cut}>
            {title.shown}
          </div>
          <div className="serp-meta" data-testid="serp-meta" data-cut={meta.cut}>
            {metaText ? meta.shown : <em>{t("seo.noMeta")}</em>}
          </div>
        </div>
        {values.metaFromDescription && metaText ? <p className="muted small">{t("seo.metaFallback")}</p> : null}
        <ul className="seo-hints" aria-label={t("seo.hintsTitle")}>
          {hints.map((h) => (
            <li key={h.id} className={h.ok ? "ok" : "warn"} data-hint={h.id}>
              <span aria-hidden="true">{h.ok ? "✓" : "!"}</span> {h.text}
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
