import { useState } from "react";
import { t } from "../../i18n";
import { readStored, writeStored } from "../../storage";

const STORAGE = "credit-hint-dismissed";

/**
 * Shown on the first visits until dismissed (remembered for the store in this browser): what a
 * credit buys, with what the current selection costs.
 */
export function CreditHint({ products, fields, cost }: { products: number; fields: number; cost: number }) {
  const [dismissed, setDismissed] = useState(() => readStored<boolean>("local", STORAGE) === true);
  if (dismissed) return null;
  return (
    <aside className="notice info credit-hint" aria-labelledby="credit-hint-title" data-testid="credit-hint">
      <div>
        <strong id="credit-hint-title">{t("hint.title")}</strong> {t("hint.body")}{" "}
        <span data-testid="credit-hint-cost">
          {products && fields
            ? t("hint.selection", {
                products: t("count.products", { count: products }),
                fields: t("opt.costFields", { count: fields }),
                credits: t("opt.costCredits", { count: cost }),
              })
            : t("hint.nothingYet")}
        </span>
      </div>
      <button
        type="button"
        className="btn secondary small"
        onClick={() => {
          writeStored("local", STORAGE, true);
          setDismissed(true);
        }}
      >
        {t("hint.gotIt")}
      </button>
    </aside>
  );
}
