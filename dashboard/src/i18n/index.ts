/**
 * The dashboard's words in English and Arabic (the dictionaries are in `locales/`).
 *
 * `t(key, vars)` returns a sentence with `{name}` placeholders filled in; when the entry has plural
 * forms, `vars.count` picks the form (Intl.PluralRules: English one/other, Arabic
 * zero/one/two/few/many/other). Numbers are written with Western digits by `fmt`.
 * `rich(key, vars)` does the same but lets placeholders be React elements (a link, a bold number).
 *
 * The language is chosen before the first render and again when the store's settings change (both
 * outside rendering); every screen reads it while rendering.
 */
import { createElement, Fragment, type ReactNode } from "react";
import type { Entry } from "./entry";
import { ar } from "./locales/ar";
import { en, type Key } from "./locales/en";

export type { Key };
export type Lang = "en" | "ar";
type Vars = Record<string, string | number>;

const DICTIONARIES: Record<Lang, Record<Key, Entry>> = { en, ar };
const RULES: Record<Lang, Intl.PluralRules> = { en: new Intl.PluralRules("en"), ar: new Intl.PluralRules("ar") };
const NUMBER = new Intl.NumberFormat("en-US");

let current: Lang = "en";

/**
 * The admin's own language: Arabic when the platform says the admin reads Arabic, English for any
 * other language it names. Only when the platform names none does the store's default language
 * decide. The language a job writes in never does: an English-speaking owner of an Arabic store
 * reads English words.
 */
export function uiLanguage(locale: string | null | undefined, defaultLanguage: string | null | undefined): Lang {
  const arabic = (code: string | null | undefined) => !!code && /^ar([-_]|$)/i.test(code);
  const known = !!locale && locale.trim() !== "";
  return (known ? arabic(locale) : arabic(defaultLanguage)) ? "ar" : "en";
}

/** The writing direction of the UI language. */
export function uiDirection(lang: Lang): "rtl" | "ltr" {
  return lang === "ar" ? "rtl" : "ltr";
}

export function setLanguage(lang: Lang): void {
  current = lang;
}

export function language(): Lang {
  return current;
}

/** The plural category of `n` in the current language. */
export function pluralCategory(n: number): Intl.LDMLPluralRule {
  return RULES[current].select(n);
}

function pick(key: Key, count: unknown): string {
  const entry = DICTIONARIES[current][key] ?? en[key];
  if (typeof entry === "string") return entry;
  const category = typeof count === "number" ? pluralCategory(count) : "other";
  return entry[category] ?? entry.other;
}

function show(value: string | number): string {
  return typeof value === "number" ? NUMBER.format(value) : value;
}

/** The sentence for `key`; `{name}` takes `vars.name` (numbers with Western digits), `vars.count` picks the plural form. */
export function t(key: Key, vars: Vars = {}): string {
  return pick(key, vars.count).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? show(vars[name]) : whole,
  );
}

/** Like `t`, with placeholders that may be React elements; `count` picks the plural form. */
export function rich(key: Key, vars: Record<string, ReactNode>, count?: number): ReactNode[] {
  const template = pick(key, count ?? vars.count);
  return template.split(/(\{\w+\})/).map((part, i) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    const value = name !== undefined && name in vars ? vars[name] : part;
    return createElement(Fragment, { key: i }, typeof value === "number" ? show(value) : value);
  });
}

/** The words for `key` when the dictionary has it (codes and ids the server sends), else `fallback`. */
function known(key: string, fallback: string): string {
  return key in en ? t(key as Key) : fallback;
}

/** A field name inside an English sentence is lower case ("New title"); Arabic has no case. */
export function inSentence(label: string): string {
  return current === "en" ? label.toLowerCase() : label;
}

/** Dates in the UI language, with Western digits. */
export function dateLocale(english: string): string {
  return current === "ar" ? "ar-u-nu-latn" : english;
}

/** A plan's name in the UI language (the server sends English names). */
export function planName(plan: { id: string; name: string }): string {
  return known(`plan.${plan.id}`, plan.name);
}

/** A language's name in the UI language (each also in its own); the code when it has none. */
export function languageName(code: string): string {
  return known(`lang.${code}`, code);
}

/** The note under the plans: how this platform bills. */
export function billingNote(platform: string): string {
  return known(`bill.note.${platform}`, t("bill.note"));
}

/**
 * Why an item failed, in the UI language. The server's text is a log line for operators ("too_long:
 * 74 > 60"): an owner reads the words for its reason code, or a plain sentence when the code is new.
 */
export function failureReason(reason: string | null, serverText?: string): string {
  return (serverText && glossaryReason(reason, serverText)) || known(`reason.${reason ?? "unknown"}`, t("reason.unknown"));
}

/**
 * A glossary refusal names the words, which the server quotes in its sentence ("the suggestion used
 * 'revolutionary', which the glossary forbids"; "wrote 'iphone' where the glossary asks for
 * 'iPhone'"): the same words, in the UI language's sentence. Null for other reasons.
 */
function glossaryReason(reason: string | null, serverText: string): string | null {
  const [open, close] = current === "ar" ? ["«", "»"] : ["“", "”"];
  const quoted = (text: string) => (text.match(/'[^']+'/g) ?? []).map((w) => open + w.slice(1, -1) + close).join(", ");
  if (reason === "glossary_banned") {
    const words = quoted(serverText);
    return words ? t("reason.glossary_banned", { words }) : null;
  }
  if (reason === "glossary_term") {
    const [written, asked] = serverText.split(" where the glossary asks for ");
    return written && asked ? t("reason.glossary_term", { written: quoted(written), asked: quoted(asked) }) : null;
  }
  return null;
}

/** An API error's code in the UI language, when the dictionary words it. */
export function errorWords(code: string): string | null {
  return `error.code.${code}` in en ? t(`error.code.${code}` as Key) : null;
}

/** A job's status in plain words; a status this dashboard does not know yet reads as "Finished". */
export function statusWords(status: string): string {
  return known(`status.${status}`, t("status.unknown"));
}
