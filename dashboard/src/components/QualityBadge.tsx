import { t } from "../i18n";
import type { Quality } from "../types";

// The reason codes of domain/quality.py, worded in the UI's language.
const REASONS = {
  too_short: "quality.too_short",
  short: "quality.short",
  too_long: "quality.too_long",
  name_missing: "quality.name_missing",
  hard_to_read: "quality.hard_to_read",
  long_sentences: "quality.long_sentences",
  unsupported_facts: "quality.unsupported_facts",
  duplicate: "quality.duplicate",
} as const;

function isReason(code: string): code is keyof typeof REASONS {
  return Object.hasOwn(REASONS, code);
}

/** A draft's quality score (0–100) as a small badge; its reasons in the tooltip and for screen readers. */
export function QualityBadge({ quality }: { quality: Quality | null | undefined }) {
  if (!quality || typeof quality.score !== "number") return null;
  const { score } = quality;
  const tone = score >= 80 ? "success" : score >= 60 ? "warning" : "critical";
  const reasons = (quality.reasons ?? []).filter(isReason).map((r) => t(REASONS[r]));
  const words = reasons.length ? t("quality.withReasons", { score, reasons: reasons.join(", ") }) : t("quality.score", { score });
  return (
    <span className={`badge quality ${tone}`} title={words} aria-label={words} data-testid="quality-badge">
      {t("quality.badge", { score })}
    </span>
  );
}
