/**
 * The fact gate's flags (the API's `fact_flags`, llm/facts.py) in the dashboard's words: a mark
 * over each stretch of the draft that states a number, unit, material or claim the product data
 * does not, with why in its tooltip, and the same reasons as sentences for the list beside it.
 */
import { t, type Key } from "../../i18n";
import type { FactFlag } from "../../types";
import { fittingMarks, type Mark } from "./richtext";

const WHY: Record<FactFlag["code"], Key> = {
  number: "res.fact.number",
  unit: "res.fact.unit",
  material: "res.fact.material",
  claim: "res.fact.claim",
};

/** A flag's words as a reader sees them: a description's tags read as spaces. */
function shown(flag: FactFlag, isHtml: boolean): string {
  const text = isHtml ? flag.text.replace(/<[^<>]*>/g, " ") : flag.text;
  return text.split(/\s+/).filter(Boolean).join(" ");
}

function why(flag: FactFlag, isHtml: boolean): string {
  return t(WHY[flag.code] ?? "res.fact.claim", { text: shown(flag, isHtml) });
}

/** The marks of `flags` that still fit `after` (an edited draft's old flags do not). */
export function factMarks(flags: FactFlag[] | undefined, after: string, isHtml: boolean): Mark[] {
  const fitting = (flags ?? []).filter((f) => after.slice(f.start, f.end) === f.text);
  return fittingMarks(
    after,
    fitting.map((f) => ({ start: f.start, end: f.end, code: f.code, title: why(f, isHtml) })),
  );
}

/** Each flag's reason as a sentence, once. */
export function factWords(flags: FactFlag[] | undefined, isHtml: boolean): string[] {
  return [...new Set((flags ?? []).map((f) => why(f, isHtml)))];
}
