import type { Attribute, Config } from "./types";
import { dateLocale, t } from "./i18n";

function readConfig(): Config {
  const el = document.getElementById("config");
  if (!el || !el.textContent) throw new Error("missing config");
  return JSON.parse(el.textContent) as Config;
}

export const CONFIG: Config = readConfig();

/** Field names in the UI language: `label` is read at render time. */
export const FIELDS: { id: Attribute; readonly label: string; limit: number | null }[] = [
  { id: "title", get label() { return t("field.title"); }, limit: 80 },
  { id: "description", get label() { return t("field.description"); }, limit: null },
  { id: "seo_title", get label() { return t("field.seo_title"); }, limit: 60 },
  { id: "seo_description", get label() { return t("field.seo_description"); }, limit: 160 },
];

export const FIELD_LABEL: Record<Attribute, string> = {
  get title() { return t("field.title"); },
  get description() { return t("field.description"); },
  get seo_title() { return t("field.seo_title"); },
  get seo_description() { return t("field.seo_description"); },
};

export const FIELD_LIMIT: Record<Attribute, number | null> = {
  title: 80,
  description: null,
  seo_title: 60,
  seo_description: 160,
};

const LANGUAGE_CODES = ["en", "ar", "fr", "de", "es", "it", "pt-BR", "nl", "tr"] as const;

/** The languages text can be written in, named in the UI language (each also in its own). */
export const LANGUAGES: { code: string; readonly name: string }[] = LANGUAGE_CODES.map((code) => ({
  code,
  get name() { return t(`lang.${code}`); },
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
