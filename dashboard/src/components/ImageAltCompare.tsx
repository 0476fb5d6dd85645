import { t } from "../i18n";
import type { Item } from "../types";

type Alts = Map<string, string>;

/** A JSON list of {image_id, alt} (an image_alt value) as image id → alt text; empty when unreadable. */
function altsOf(value: string | null): Alts {
  try {
    const list: unknown = JSON.parse(value ?? "[]");
    if (!Array.isArray(list)) return new Map();
    return new Map(
      list
        .filter((e): e is { image_id: string; alt: string } => typeof e?.image_id === "string" && typeof e?.alt === "string")
        .map((e) => [e.image_id, e.alt]),
    );
  } catch {
    return new Map();
  }
}

/** Image alt text of one product: each image's thumbnail with its alt text before and after. */
export function ImageAltCompare({ item }: { item: Item }) {
  if (item.attribute !== "image_alt" || !item.images) return null;
  const before = altsOf(item.before);
  const after = altsOf(item.after);
  return (
    <ul className="image-alts" data-testid="image-alts">
      {item.images.map((image, n) => {
        const old = before.get(image.image_id) ?? "";
        const now = item.after === null ? null : after.get(image.image_id) ?? "";
        const name = t("res.imageAlt.image", { count: n + 1 });
        return (
          <li key={image.image_id} className="image-alt" data-testid="image-alt">
            {image.url ? <img src={image.url} alt={now || old || name} width={64} height={64} loading="lazy" /> : <span className="image-alt-blank" />}
            <div className="image-alt-texts">
              <strong>{name}</strong>
              <div className="side before">
                <span className="muted small">{t("res.before")}</span>
                <p dir="auto">{old || <em className="muted">{t("res.imageAlt.none")}</em>}</p>
              </div>
              <div className="side after">
                <span className="muted small">{t("res.after")}</span>
                <p dir="auto" data-testid="image-alt-after">
                  {now === null ? <em className="muted">{t("res.notReady")}</em> : now || <em className="muted">{t("res.imageAlt.none")}</em>}
                </p>
              </div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
