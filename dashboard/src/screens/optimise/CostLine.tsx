import { useEffect, useRef } from "react";
import { rich, t } from "../../i18n";
import { UpgradeActions } from "../Billing";

export interface Shortage {
  required: number;
  remaining: number;
  fromServer: boolean;
}

/** What the job will cost against the balance, and the upgrade offer when the balance is short. */
export function CostLine(props: {
  products: number;
  fields: number;
  cost: number;
  economy: boolean;
  onEconomy: (economy: boolean) => void;
  remaining: number;
  shortage: Shortage | null;
  /** The server is still counting the products a filter matches. */
  estimating?: boolean;
}) {
  const { products, fields, cost, economy, onEconomy, remaining, shortage, estimating } = props;
  const shortageRef = useRef<HTMLDivElement>(null);
  // The server's 402 arrives after the owner pressed submit, maybe far below: bring it into view.
  const fromServer = shortage?.fromServer ? shortage : null;
  useEffect(() => {
    if (fromServer) shortageRef.current?.scrollIntoView({ block: "nearest" });
  }, [fromServer]);

  return (
    <>
      <label className="check-row" data-testid="economy">
        <input type="checkbox" checked={economy} onChange={(e) => onEconomy(e.target.checked)} />
        <span>
          {t("opt.economy")} <span className="muted">{t("opt.economyHint")}</span>
        </span>
      </label>
      <div className={`cost${shortage ? " short" : ""}`} aria-live="polite" data-testid="cost-line">
        {products === 0 || fields === 0 ? (
          <span className="muted">{products === 0 ? t("opt.pickProducts") : t("opt.pickField")}</span>
        ) : estimating ? (
          <span className="muted">{t("opt.estimating")}</span>
        ) : (
          <span>
            {rich("opt.costLine", {
              products: t("opt.costProducts", { count: products }),
              fields: t("opt.costFields", { count: fields }),
              credits: <strong>{t("opt.costCredits", { count: cost })}</strong>,
              left:
                cost > remaining
                  ? t("opt.costOnlyLeft", { count: remaining })
                  : t("opt.costLeft", { count: remaining - cost }),
            })}
          </span>
        )}
      </div>
      {shortage ? (
        <div className="notice warning" role="alert" data-testid="shortage" ref={shortageRef}>
          <div>
            <strong>{t("opt.shortTitle")}</strong> {shortage.fromServer ? t("opt.shortChanged") : ""}
            {t("opt.shortBody", { count: shortage.required, left: shortage.remaining })}
          </div>
          <UpgradeActions compact />
        </div>
      ) : null}
    </>
  );
}
