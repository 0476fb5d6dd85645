import type { Attribute, Config } from "./types";

function readConfig(): Config {
  const el = document.getElementById("config");
  if (!el || !el.textContent) throw new Error("missing config");
  return JSON.parse(el.textContent) as Config;
}

export const CONFIG: Config = readConfig();

export const FIELDS: { id: Attribute; label: string; limit: number | null }[] = [
  { id: "title", label: "Title", limit: 80 },
  { id: "description", label: "Description", limit: null },
  { id: "seo_title", label: "SEO title", limit: 60 },
  { id: "seo_description", label: "Meta description", limit: 160 },
];

export const FIELD_LABEL: Record<Attribute, string> = {
  title: "Title",
  description: "Description",
  seo_title: "SEO title",
  seo_description: "Meta description",
};

export const FIELD_LIMIT: Record<Attribute, number | null> = {
  title: 80,
  description: null,
  seo_title: 60,
  seo_description: 160,
};

export const LANGUAGES: { code: string; name: string }[] = [
  { code: "en", name: "English" },
  { code: "ar", name: "Arabic (العربية)" },
  { code: "fr", name: "French" },
  { code: "de", name: "German" },
  { code: "es", name: "Spanish" },
  { code: "it", name: "Italian" },
  { code: "pt-BR", name: "Portuguese (Brazil)" },
  { code: "nl", name: "Dutch" },
  { code: "tr", name: "Turkish" },
];

export function isRtl(lang: string | undefined | null): boolean {
  return !!lang && /^(ar|he|fa|ur)(-|$)/i.test(lang);
}

const NUMBER = new Intl.NumberFormat("en-US");
export const fmt = (n: number): string => NUMBER.format(n);

export function plural(n: number, one: string, many: string): string {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

export function when(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function day(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso + (iso.length === 10 ? "T00:00:00" : "")).toLocaleDateString("en-GB", { dateStyle: "long" });
}
