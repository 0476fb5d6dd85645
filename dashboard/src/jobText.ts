/** How a job is named and described to its owner, from the server's facts, in the UI language. */
import { FIELD_LABEL } from "./config";
import { languageName, t, type Key } from "./i18n";
import { en } from "./i18n/locales/en";
import type { Attribute, Job } from "./types";

/** "Job 3": the job's number in its store (its id on servers that send no number). */
export function jobName(job: Pick<Job, "id" | "number">): string {
  return t("job.name", { number: String(job.number ?? job.id) });
}

/** The fields a job improves, short and in the server's order: "SEO title, meta". */
export function fieldList(attributes: readonly Attribute[]): string {
  const words = attributes.map((a, i) => {
    const key = `field.short.${a}`;
    const word = key in en ? t(key as Key) : (FIELD_LABEL[a] ?? a);
    return i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word;
  });
  return words.join(t("list.separator"));
}

/** "Summer collection", "Summer, Winter", or "Summer, Winter and 3 more". */
function collectionList(names: readonly string[]): string | null {
  if (!names.length) return null;
  if (names.length <= 2) return names.join(t("list.separator"));
  return t("job.moreCollections", { names: names.slice(0, 2).join(t("list.separator")), count: names.length - 2 });
}

/** What the job covered, without its name: "12 products · Summer collection · SEO title, meta". */
export function jobCovers(job: Job): string {
  const summary = job.summary;
  const products = summary?.products ?? new Set(job.source_ids).size;
  const parts = [
    job.source_scope === "collections" && !summary ? null : t("count.products", { count: products }),
    collectionList(summary?.collections ?? []),
    fieldList(summary?.attributes ?? job.attributes),
  ];
  return parts.filter((p): p is string => !!p).join(" · ");
}

/** "Job 3 · 12 products · Summer collection · SEO title, meta". */
export function jobTitle(job: Job): string {
  return `${jobName(job)} · ${jobCovers(job)}`;
}

/** The language the job writes in, for the line under its title. */
export function jobLanguage(job: Job): string {
  return languageName(job.target_lang);
}

/** "About 3 minutes left", while a job waits or runs and the server has an estimate. */
export function etaWords(seconds: number | null | undefined): string | null {
  if (seconds == null || seconds < 0) return null;
  if (seconds < 60) return t("job.etaSoon");
  if (seconds < 3600) return t("job.etaMinutes", { count: Math.round(seconds / 60) });
  return t("job.etaHours", { count: Math.round(seconds / 360) / 10 });
}
