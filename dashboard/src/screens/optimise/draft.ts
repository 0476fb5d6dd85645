/**
 * The job the owner is putting together on Optimise: what is picked, the filters it was picked
 * with, the fields, language, tone, instructions and economy. It lives in the app (so it outlives a
 * switch of section) and in the tab's session storage (so it outlives a reload), keyed by store;
 * it is cleared once a job has been created from it.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { readStored, writeStored } from "../../storage";
import type { Attribute, Me, ProductQuery, StoreSettings } from "../../types";

/** The picker's filters, as the owner set them. */
export interface Filters {
  q: string;
  missing: Attribute[];
  /** "never": only products the app never changed; "" any. */
  optimised: "" | "never";
  collection_id: string;
  /** Only products whose description is a near-duplicate of another's (absent in older drafts). */
  duplicate?: boolean;
}

export const NO_FILTERS: Filters = { q: "", missing: [], optimised: "", collection_id: "", duplicate: false };

export interface Draft {
  scope: "products" | "collections";
  /** Products picked one by one: [id, title]. */
  picked: [string, string][];
  /** Every product matching `filters` ("Select all N matching"), with the count shown when chosen. */
  matching: { query: ProductQuery; total: number } | null;
  /** Collections picked: [id, number of products]. */
  collections: [string, number][];
  filters: Filters;
  fields: Attribute[];
  lang: string;
  tone: string;
  instructions: string;
  economy: boolean;
  /** Write only the fields that have no value yet (skipped fields are not charged). */
  onlyEmpty: boolean;
  /** The brand voice: left out, the store's default; null, none (VoiceChooser). */
  voice?: number | null;
  /** The store's defaults the draft started from: a value the owner left as it was follows
   * Settings when they change. */
  basis: { fields: Attribute[]; lang: string; tone: string };
}

const STORAGE = "optimise-draft";

export function freshDraft(me: Me, settings: StoreSettings): Draft {
  const fields = settings.default_attributes.filter((a) => !me.store.unpublishable_fields[a]);
  return {
    scope: "products",
    picked: [],
    matching: null,
    collections: [],
    filters: NO_FILTERS,
    // A field the store cannot publish is never asked for, whatever the saved defaults say.
    fields,
    lang: settings.default_language,
    tone: "",
    instructions: "",
    economy: false,
    onlyEmpty: false,
    basis: { fields, lang: settings.default_language, tone: "" },
  };
}

/** The filters as the API's query (GET /api/products parameters, a "query" job's `query`). */
export function filterQuery(filters: Filters): ProductQuery {
  const query: ProductQuery = {};
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.collection_id) query.collection_id = filters.collection_id;
  if (filters.missing.length) query.missing = filters.missing;
  if (filters.optimised === "never") query.optimised = false;
  if (filters.duplicate) query.duplicate = true;
  return query;
}

export function hasFilters(filters: Filters): boolean {
  return Object.keys(filterQuery(filters)).length > 0;
}

/** `draft` with the values the owner never changed taken from today's defaults. */
function followDefaults(draft: Draft, fresh: Draft): Draft {
  const basis = draft.basis;
  if (!basis) return { ...draft, basis: fresh.basis };
  return {
    ...draft,
    fields: draft.fields.join() === basis.fields.join() ? fresh.fields : draft.fields,
    lang: draft.lang === basis.lang ? fresh.lang : draft.lang,
    tone: draft.tone === basis.tone ? fresh.tone : draft.tone,
    basis: fresh.basis,
  };
}

function isDraft(value: unknown): value is Draft {
  const d = value as Draft | null;
  return !!d && Array.isArray(d.picked) && Array.isArray(d.fields) && typeof d.lang === "string" && !!d.filters;
}

/**
 * The draft, restored from this tab's storage when there is one; `reset()` starts a fresh one. Until
 * the owner changes something the draft is the store's defaults (and follows them when Settings
 * change); only a changed draft is stored.
 */
export function useDraft(me: Me, settings: StoreSettings): [Draft, (next: Draft) => void, () => void] {
  const [changed, setChanged] = useState<Draft | null>(() => {
    const stored = readStored<unknown>("session", STORAGE);
    return isDraft(stored) ? { ...freshDraft(me, settings), ...stored } : null;
  });
  useEffect(() => writeStored("session", STORAGE, changed), [changed]);
  const defaults = useMemo(() => freshDraft(me, settings), [me, settings]);
  const reset = useCallback(() => setChanged(null), []);
  const draft = useMemo(() => (changed ? followDefaults(changed, defaults) : defaults), [changed, defaults]);
  return [draft, setChanged, reset];
}
