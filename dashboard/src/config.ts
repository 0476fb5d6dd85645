import type { Attribute, Config } from "./types";
import { dateLocale, languageName, t } from "./i18n";

function readConfig(): Config {
  const el = document.getElementById("config");
  if (!el || !el.textContent) throw new Error("missing config");
  return JSON.parse(el.textContent) as Config;
}

export const CONFIG: Config = readConfig();

export const FIELD_LABEL: Record<Attribute, string> = {
  get title() { return t("field.title"); },
  get description() { return t("field.description"); },
  get seo_title() { return t("field.seo_title"); },
  get seo_description() { return t("field.seo_description"); },
  get image_alt() { return t("field.image_alt"); },
};

/**
 * The fields the server improves, in its order, named in the UI language (`label` is read at render
 * time). `limit` is the one shown to the owner: a description's cap only guards against runaway
 * text, so its counter shows characters, not a limit.
 */
export const FIELDS: { id: Attribute; readonly label: string; limit: number | null }[] = CONFIG.fields.map((f) => ({
  id: f.id,
  get label() { return FIELD_LABEL[f.id] ?? f.id; },
  limit: f.html ? null : f.max_length,
}));

export function fieldLimit(attribute: Attribute): number | null {
  return FIELDS.find((f) => f.id === attribute)?.limit ?? null;
}

/** The languages text can be written in, as the server offers them, named in the UI language. */
export const LANGUAGES: { code: string; readonly name: string }[] = CONFIG.languages.map((code) => ({
  code,
  get name() { return languageName(code); },
}));

export function isRtl(lang: string | undefined | null): boolean {
  return !!lang && /^(ar|he|fa|ur)(-|$)/i.test(lang);
}

const NUMBER = new Intl.NumberFormat("en-US");
export const fmt = (n: number): string => NUMBER.format(n);

export function when(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(dateLocale("en-GB"), { dateStyle: "medium", timeStyle: "short" });
}

export function day(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso + (iso.length === 10 ? "T00:00:00" : "")).toLocaleDateString(dateLocale("en-GB"), { dateStyle: "long" });
}
