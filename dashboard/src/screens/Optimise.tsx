import { useState, type FormEvent } from "react";
import { api, ApiError, messageOf } from "../api";
import { inFieldOrder } from "../components/FieldChecks";
import { PageHead } from "../components/PageHead";
import { useApp } from "../context";
import { t } from "../i18n";
import type { Collection } from "../types";
import { ErrorBox } from "../ui";
import { useApi } from "../useApi";
import { CollectionPicker, type PickedCollections } from "./optimise/CollectionPicker";
import { CostLine, type Shortage } from "./optimise/CostLine";
import { JobOptions, type Options } from "./optimise/JobOptions";
import { ProductPicker, type Picked } from "./optimise/ProductPicker";

export function Optimise() {
  const { me, setMe, settings, go, setWorkingLanguage } = useApp();
  const [scope, setScope] = useState<"products" | "collections">("products");
  const [picked, setPicked] = useState<Picked>(new Map());
  // Collections are asked for the first time they are shown, then kept.
  const [collectionsShown, setCollectionsShown] = useState(false);
  const collections = useApi<{ collections: Collection[] }>(collectionsShown ? "/api/collections" : null);
  const [pickedCollections, setPickedCollections] = useState<PickedCollections>(new Map());
  const [options, setOptions] = useState<Options>({
    // A field the store cannot publish is never asked for, whatever the saved defaults say.
    fields: new Set(settings.default_attributes.filter((a) => !me.store.unpublishable_fields[a])),
    lang: settings.default_language,
    tone: "",
    instructions: "",
  });
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  // The server's 402, for the cost it answered; a different cost is asked again.
  const [refused, setRefused] = useState<(Shortage & { cost: number }) | null>(null);

  const productCount =
    scope === "products" ? picked.size : [...pickedCollections.values()].reduce((a, b) => a + b, 0);
  const [economy, setEconomy] = useState(false);
  const fieldCount = productCount * options.fields.size;
  // The server's rule: economy fields are counted together, so many per credit, rounded up.
  const cost = economy ? Math.ceil(fieldCount / me.plan.economy_fields_per_credit) : fieldCount;
  const remaining = me.credits.remaining;
  const short = cost > remaining;
  const shortage: Shortage | null =
    refused && refused.cost === cost ? refused : short ? { required: cost, remaining, fromServer: false } : null;

  const changeScope = (next: "products" | "collections") => {
    setScope(next);
    if (next === "collections") setCollectionsShown(true);
  };
  const changeOptions = (next: Options) => {
    if (next.lang !== options.lang) setWorkingLanguage(next.lang);
    setOptions(next);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (cost === 0 || short || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    const tone = options.tone.trim();
    const prompt = [tone ? `Tone: ${tone}` : "", options.instructions.trim()]
      .filter(Boolean)
      .join("\n");
    try {
      const res = await api<{ job_id: number; credits_charged: number; credits_remaining: number }>("/api/jobs", {
        method: "POST",
        body: {
          source_scope: scope,
          source_ids: scope === "products" ? [...picked.keys()] : [...pickedCollections.keys()],
          attributes: inFieldOrder(options.fields),
          target_lang: options.lang,
          user_prompt: prompt,
          economy,
          ...(options.voice !== undefined ? { brand_voice_id: options.voice } : {}),
        },
      });
      setMe({ ...me, credits: { ...me.credits, remaining: res.credits_remaining, used: me.credits.total - res.credits_remaining } });
      setPicked(new Map());
      setPickedCollections(new Map());
      go("queue", res.job_id);
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

  return (
    <form className="optimise" onSubmit={submit} aria-labelledby="optimise-title">
      <PageHead id="optimise-title" title={t("opt.title")} intro={t("opt.intro")} />

      <div className="grid-2">
        <section className="card" aria-labelledby="pick-title">
          <div className="card-head">
            <h2 id="pick-title">{t("opt.step1")}</h2>
            <div className="segmented" role="radiogroup" aria-label={t("opt.whatToPick")}>
              <label className={scope === "products" ? "on" : ""}>
                <input type="radio" name="scope" checked={scope === "products"} onChange={() => changeScope("products")} />
                {t("opt.scopeProducts")}
              </label>
              <label className={scope === "collections" ? "on" : ""}>
                <input
                  type="radio"
                  name="scope"
                  checked={scope === "collections"}
                  onChange={() => changeScope("collections")}
                />
                {t("opt.scopeCollections")}
              </label>
            </div>
          </div>
          <ProductPicker active={scope === "products"} picked={picked} onChange={setPicked} />
          {scope === "collections" ? (
            <CollectionPicker collections={collections} picked={pickedCollections} onChange={setPickedCollections} />
          ) : null}
        </section>

        <section className="card sticky" aria-labelledby="fields-title">
          <h2 id="fields-title">{t("opt.step2")}</h2>
          <JobOptions options={options} onChange={changeOptions} />
          <CostLine
            products={productCount}
            fields={options.fields.size}
            cost={cost}
            economy={economy}
            onEconomy={setEconomy}
            remaining={remaining}
            shortage={shortage}
          />
          {submitError ? <ErrorBox message={submitError} /> : null}
          <button type="submit" className="btn primary wide" disabled={cost === 0 || !!shortage || submitting}>
            {submitting ? t("opt.starting") : cost ? t("opt.improveFor", { count: cost }) : t("opt.improve")}
          </button>
        </section>
      </div>
    </form>
  );
}
