/**
 * What the Results screen knows of a job's items without drawing them: the state each field is in
 * for its owner, which fields "Publish all" takes, the filters, and the product groups.
 */
import { CONFIG } from "../../config";
import type { Attribute, Item, Job, PublishLog } from "../../types";

/** An item as the review endpoints send it (fields the server may not send yet are optional). */
export interface ReviewItem extends Item {
  product_url?: string | null;
  product_image_url?: string | null;
  /** The last note sent with "Regenerate" ("shorter"). */
  note?: string | null;
  regenerations?: number;
}

/** A job as the review screen reads it: the counters the review endpoints add are optional. */
export interface ReviewJob extends Job {
  number?: number;
  counts: Job["counts"] & { no_change?: number; rejected?: number; published?: number };
}

/**
 * Where a field stands for its owner. `no_change` is neutral (the text was already good and the
 * field was not charged); `refused` is an answer our checks turned down (refunded).
 */
export type View =
  | "working"
  | "ready"
  | "flagged"
  | "accepted"
  | "edited"
  | "published"
  | "refused"
  | "rejected"
  | "no_change"
  | "canceled";

export function hasFlags(item: Item): boolean {
  return Array.isArray(item.flags) && item.flags.length > 0;
}

export function flagsOf(item: Item): string[] {
  return Array.isArray(item.flags) ? item.flags.filter((f): f is string => typeof f === "string") : [];
}

export function viewOf(item: Item): View {
  if (item.status === "PENDING" || item.status === "RUNNING") return "working";
  if (item.status === "CANCELED") return "canceled";
  if (item.status === "FAILED") return "refused";
  if (item.published_at) return "published";
  switch (item.review_state) {
    case "NO_CHANGE":
      return "no_change";
    case "REJECTED":
      return "rejected";
    case "EDITED":
      return "edited";
    case "ACCEPTED":
      return "accepted";
    default:
      return hasFlags(item) ? "flagged" : "ready";
  }
}

/** Fields the store cannot publish (a WordPress site without an SEO plugin). */
function blocked(attribute: Attribute): boolean {
  return Boolean(CONFIG.me.store.unpublishable_fields?.[attribute]);
}

/**
 * What "Publish all" writes: ready, accepted and edited fields; never a rejected one, one that needed
 * no change, or a flagged one nobody accepted.
 */
export function publishable(item: Item): boolean {
  const v = viewOf(item);
  return (v === "ready" || v === "accepted" || v === "edited") && !blocked(item.attribute);
}

/** Accept and reject apply to an improved value that is not live yet. */
export function decidable(item: Item): boolean {
  const v = viewOf(item);
  return v === "ready" || v === "flagged" || v === "accepted" || v === "edited" || v === "rejected";
}

/** What the server regenerates: a finished or refused field that is not live. */
export function regenerable(item: Item): boolean {
  return (item.status === "DONE" || item.status === "FAILED") && !item.published_at;
}

/**
 * Only a field with an improved value that is not live can be edited; one that needed no change too.
 * Image alt text (one JSON list per product) is accepted, rejected or regenerated, not typed.
 */
export function editable(item: Item): boolean {
  return item.status === "DONE" && !item.published_at && viewOf(item) !== "rejected" && item.attribute !== "image_alt";
}

/** The state filters offered, in order; "ready" takes the accepted fields too. */
export const STATE_FILTERS = ["ready", "flagged", "edited", "published", "refused", "rejected", "no_change"] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export function inState(item: Item, filter: StateFilter): boolean {
  const v = viewOf(item);
  return filter === "ready" ? v === "ready" || v === "accepted" : v === filter;
}

export interface Filters {
  states: ReadonlySet<StateFilter>;
  fields: ReadonlySet<Attribute>;
}

export function matches(item: Item, filters: Filters): boolean {
  if (filters.fields.size && !filters.fields.has(item.attribute)) return false;
  if (!filters.states.size) return true;
  for (const s of filters.states) if (inState(item, s)) return true;
  return false;
}

export interface ProductGroup {
  productId: string;
  title: string;
  url: string | null;
  imageUrl: string | null;
  /** Every field of the product in this job, in the server's field order. */
  items: ReviewItem[];
}

const FIELD_ORDER = new Map(CONFIG.fields.map((f, i) => [f.id, i]));

export function groupByProduct(items: ReviewItem[], untitled: string): ProductGroup[] {
  const groups = new Map<string, ProductGroup>();
  for (const item of items) {
    let g = groups.get(item.product_id);
    if (!g) {
      g = { productId: item.product_id, title: item.product_title || untitled, url: null, imageUrl: null, items: [] };
      groups.set(item.product_id, g);
    }
    g.url ??= item.product_url ?? null;
    g.imageUrl ??= item.product_image_url ?? null;
    g.items.push(item);
  }
  for (const g of groups.values()) {
    g.items.sort((a, b) => (FIELD_ORDER.get(a.attribute) ?? 9) - (FIELD_ORDER.get(b.attribute) ?? 9));
  }
  return [...groups.values()];
}

/** The live (not reverted) publish log entry of each item. */
export function liveLogs(logs: PublishLog[]): Map<number, PublishLog> {
  const map = new Map<number, PublishLog>();
  for (const log of logs) if (log.item_id !== null && !log.reverted_at && !map.has(log.item_id)) map.set(log.item_id, log);
  return map;
}

/** The number of products and of fields a list of items touches. */
export function spread(items: Item[]): { products: number; fields: number } {
  return { products: new Set(items.map((i) => i.product_id)).size, fields: items.length };
}

/** A field's value to show: the owner's unsaved edit, else the improved value, else the current one. */
export function shownValue(item: Item, draft: string | undefined): string {
  if (draft !== undefined) return draft;
  if (item.status === "DONE" && item.after) return item.after;
  return item.before ?? "";
}

export function maxLength(attribute: Attribute): number {
  return CONFIG.fields.find((f) => f.id === attribute)?.max_length ?? Infinity;
}
