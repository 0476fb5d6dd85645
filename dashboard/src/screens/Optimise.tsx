import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, messageOf } from "../api";
import { inFieldOrder } from "../components/FieldChecks";
import { PageHead } from "../components/PageHead";
import { useApp } from "../context";
import { t } from "../i18n";
import type { Collection, ProductQuery } from "../types";
import { ErrorBox } from "../ui";
import { useApi } from "../useApi";
import { CollectionPicker, type PickedCollections } from "./optimise/CollectionPicker";
import { CostLine, type Shortage } from "./optimise/CostLine";
import { CreditHint } from "./optimise/CreditHint";
import type { Draft } from "./optimise/draft";
import { JobOptions } from "./optimise/JobOptions";
import { ProductPicker } from "./optimise/ProductPicker";

/** POST /api/jobs/estimate's answer: what a job would cost, without charging. */
interface Estimate {
  products: number;
  fields: number;
  credits: number;
  credits_remaining: number;
  enough: boolean;
  /** Fields left alone for already having a value (only empty fields). */
  skipped_fields?: number;
}

/** Why the server would not make a job of this filter, in the UI language. */
function refusalWords(e: ApiError): string {
  const matching = Number(e.details.matching);
  const most = Number(e.details.max_products);
  if (e.details.matching === 0) return t("opt.noneMatching");
  if (Number.isFinite(matching) && Number.isFinite(most)) return t("opt.tooManyMatching", { count: matching, most });
  return messageOf(e);
}

/**
 * The server's estimate for a job over every product a filter matches (the dashboard cannot count
 * them itself). `refusal` is the server's sentence when it would refuse the job (nothing matches,
 * more than a job may hold); a server without estimates (404) leaves both null, and the count shown
 * when the products were chosen stands in.
 */
function useEstimate(body: Record<string, unknown> | null): { estimate: Estimate | null; refusal: string | null; settled: boolean } {
  const key = body ? JSON.stringify(body) : null;
  const [answer, setAnswer] = useState<{ key: string; estimate: Estimate | null; refusal: string | null } | null>(null);
  useEffect(() => {
    if (key === null) return undefined;
    const controller = new AbortController();
    api<Estimate>("/api/jobs/estimate", { method: "POST", body: JSON.parse(key), signal: controller.signal }).then(
      (estimate) => setAnswer({ key, estimate, refusal: null }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        const refused = e instanceof ApiError && (e.status === 400 || e.status === 422);
        setAnswer({ key, estimate: null, refusal: refused ? refusalWords(e) : null });
      },
    );
    return () => controller.abort();
  }, [key]);
  const current = answer && answer.key === key ? answer : null;
  return { estimate: current?.estimate ?? null, refusal: current?.refusal ?? null, settled: current !== null };
}

export function Optimise(props: { draft: Draft; setDraft: (draft: Draft) => void; resetDraft: () => void }) {
  const { draft, setDraft, resetDraft } = props;
  const { me, setMe, go } = useApp();
  const onDraft = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const scope = draft.scope;
  // Collections are asked for the first time they are shown, then kept.
  const collections = useApi<{ collections: Collection[] }>(scope === "collections" ? "/api/collections" : null);
  const pickedCollections: PickedCollections = new Map(draft.collections);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  // The server's 402, for the cost it answered; a different cost is asked again.
  const [refused, setRefused] = useState<(Shortage & { cost: number }) | null>(null);

  const fields = inFieldOrder(new Set(draft.fields));
  const matching = scope === "products" ? draft.matching : null;
  const tone = draft.tone.trim();
  const prompt = [tone ? `Tone: ${tone}` : "", draft.instructions.trim()]
    .filter(Boolean)
    .join("\n");
  const jobBody = (source: { source_scope: string; source_ids?: string[]; query?: ProductQuery }) => ({
    ...source,
    attributes: fields,
    target_lang: draft.lang,
    user_prompt: prompt,
    economy: draft.economy,
    only_empty: draft.onlyEmpty,
    ...(draft.voice !== undefined ? { brand_voice_id: draft.voice } : {}),
  });
  const source: { source_scope: string; source_ids?: string[]; query?: ProductQuery } = matching
    ? { source_scope: "query", query: matching.query }
    : { source_scope: scope, source_ids: scope === "products" ? draft.picked.map(([id]) => id) : [...pickedCollections.keys()] };
  // The server prices a filter (it alone can count the products) and "only empty fields" (it alone
  // knows which fields have a value); a plain selection is priced here.
  const askServer = fields.length > 0 && (matching !== null || (draft.onlyEmpty && (source.source_ids?.length ?? 0) > 0));
  const asked = useEstimate(askServer ? jobBody(source) : null);
  const estimate = asked.estimate;

  const productCount = matching
    ? (estimate?.products ?? matching.total)
    : scope === "products"
      ? draft.picked.length
      : [...pickedCollections.values()].reduce((a, b) => a + b, 0);
  const fieldCount = estimate ? estimate.fields : productCount * fields.length;
  // The server's rule: economy fields are counted together, so many per credit, rounded up.
  const localCost = draft.economy ? Math.ceil(fieldCount / me.plan.economy_fields_per_credit) : fieldCount;
  const cost = estimate ? estimate.credits : localCost;
  const remaining = me.credits.remaining;
  const short = cost > remaining;
  const shortage: Shortage | null =
    refused && refused.cost === cost ? refused : short ? { required: cost, remaining, fromServer: false } : null;
  const estimating = askServer && !asked.settled;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (cost === 0 || short || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const res = await api<{ job_id: number; credits_charged: number; credits_remaining: number }>("/api/jobs", {
        method: "POST",
        body: jobBody(source),
      });
      setMe({ ...me, credits: { ...me.credits, remaining: res.credits_remaining, used: me.credits.total - res.credits_remaining } });
      resetDraft();
      go("queue");
    } catch (err) {
      if (err instanceof ApiError && err.status === 402) {
        const required = Number(err.details.required ?? cost);
        const left = Number(err.details.remaining ?? 0);
        setRefused({ required, remaining: left, fromServer: true, cost });
        setMe({ ...me, credits: { ...me.credits, remaining: left, used: me.credits.total - left } });
      } else {
        setSubmitError(t("opt.notStarted", { error: messageOf(err) }));
      }
    } finally {
      setSubmitting(false);
    }
  };

  const disabled = cost === 0 || !!shortage || submitting || estimating || !!asked.refusal;
  const buttonWords = submitting ? t("opt.starting") : cost ? t("opt.improveFor", { count: cost }) : t("opt.improve");

  return (
    <form className="optimise" onSubmit={submit} aria-labelledby="optimise-title">
      <PageHead id="optimise-title" title={t("opt.title")} intro={t("opt.intro")} />
      <CreditHint products={productCount} fields={fields.length} cost={cost} />

      <div className="grid-2">
        <section className="card" aria-labelledby="pick-title">
          <div className="card-head">
            <h2 id="pick-title">{t("opt.step1")}</h2>
            <div className="segmented" role="radiogroup" aria-label={t("opt.whatToPick")}>
              <label className={scope === "products" ? "on" : ""}>
                <input type="radio" name="scope" checked={scope === "products"} onChange={() => onDraft({ scope: "products" })} />
                {t("opt.scopeProducts")}
              </label>
              <label className={scope === "collections" ? "on" : ""}>
                <input
                  type="radio"
                  name="scope"
                  checked={scope === "collections"}
                  onChange={() => onDraft({ scope: "collections" })}
                />
                {t("opt.scopeCollections")}
              </label>
            </div>
          </div>
          <ProductPicker active={scope === "products"} draft={draft} onDraft={onDraft} />
          {scope === "collections" ? (
            <CollectionPicker
              collections={collections}
              picked={pickedCollections}
              onChange={(next) => onDraft({ collections: [...next.entries()] })}
            />
          ) : null}
        </section>

        <section className="card sticky" aria-labelledby="fields-title">
          <h2 id="fields-title">{t("opt.step2")}</h2>
          <JobOptions draft={draft} onDraft={onDraft} />
          <CostLine
            products={productCount}
            fields={fields.length}
            cost={cost}
            economy={draft.economy}
            onEconomy={(economy) => onDraft({ economy })}
            remaining={remaining}
            shortage={shortage}
            estimating={estimating}
            skipped={estimate?.skipped_fields}
          />
          {asked.refusal ? <ErrorBox message={asked.refusal} /> : null}
          {submitError ? <ErrorBox message={submitError} /> : null}
          <button type="submit" className="btn primary wide submit-in-card" disabled={disabled}>
            {buttonWords}
          </button>
        </section>
      </div>

      {/* On a phone the cost and the button stay at the bottom of the screen, above the list. */}
      <div className="submit-bar" data-testid="submit-bar">
        <span className={`submit-bar-cost${shortage ? " short" : ""}`}>
          {productCount && fields.length
            ? t("opt.barCost", { credits: t("opt.costCredits", { count: cost }), left: remaining })
            : productCount
              ? t("opt.pickField")
              : t("opt.pickProducts")}
          {shortage ? <strong className="bar-short"> {t("opt.shortTitle")}</strong> : null}
        </span>
        <button type="submit" className="btn primary" disabled={disabled}>
          {buttonWords}
        </button>
      </div>
    </form>
  );
}
