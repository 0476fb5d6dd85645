export type Attribute = "title" | "description" | "seo_title" | "seo_description" | "image_alt";

export interface Plan {
  id: string;
  name: string;
  price_cents: number;
  /** The monthly price where this store buys the plan, in the currency's minor units. */
  price: { amount_minor: number; currency: string };
  monthly_credits: number | null;
  economy_fields_per_credit: number;
}

/**
 * How the store's owner buys plans: `in_app` (Shopify: the app creates the subscription),
 * `platform_page` (Wix's upgrade page, the app's page in Salla's App Store), `operator_url` (the
 * page the operator set for WooCommerce sites) or `none`.
 */
export interface Billing {
  currency: string;
  upgrade: { kind: "in_app" | "platform_page" | "operator_url" | "none"; url: string | null };
}

/** Shopify's return from its approval page: the plan approved, whether the store is on it yet. */
export interface BillingReturn {
  plan: string;
  active: boolean;
  credits_added: number | null;
}

export interface Me {
  store: {
    id: number;
    platform: string;
    name: string | null;
    /** Fields this store cannot publish, each with the server's reason code. */
    unpublishable_fields: Partial<Record<Attribute, string>>;
  };
  plan: {
    id: string;
    name: string;
    monthly_credits: number | null;
    economy_fields_per_credit: number;
    ends_on: string | null;
  };
  credits: { total: number; used: number; remaining: number; reset_on: string };
  billing: Billing;
  plans: Plan[];
}

/** How automation treats new and changed products: not at all, drafts for review, or published when every gate passes. */
export type AutomationMode = "off" | "review" | "publish";

/** How often automation looks through the whole catalog for products with missing fields. */
export type SweepSchedule = "off" | "daily" | "weekly";

/** The store's automation rules as GET/PUT /api/automation answer them. */
export interface AutomationRules {
  mode: AutomationMode;
  paused: boolean;
  attributes: Attribute[];
  language: string;
  /** A brand voice of the store; null: the store's default voice. */
  voice_id: number | null;
  only_empty: boolean;
  /** In publish mode, drafts scoring lower wait for review; null: no minimum. */
  min_score: number | null;
  monthly_credit_cap: number;
  credits_used_this_month: number;
  /** The day the month's automation credits start again (ISO date). */
  period_resets_on: string;
  cap_reached: boolean;
  sweep: SweepSchedule;
  next_sweep_at: string | null;
  last_sweep_at: string | null;
  updated_at: string | null;
}

/** What automation did lately (GET /api/automation/summary): counts over its jobs since `since`. */
export interface AutomationSummary {
  mode: AutomationMode;
  paused: boolean;
  cap_reached: boolean;
  since: string;
  products_optimised: number;
  published: number;
  waiting_for_review: number;
  failed: number;
  credits_used_this_month: number;
  monthly_credit_cap: number;
}

export interface StoreSettings {
  default_language: string;
  default_attributes: Attribute[];
}

/** A field the app can improve, as the server defines it. */
export interface FieldFact {
  id: Attribute;
  max_length: number;
  html: boolean;
}

/**
 * What the shell page hands the dashboard: the session (none on Shopify, where App Bridge hands out
 * a token per call), the store, and the server's facts.
 */
export interface Config {
  session: string | null;
  platform: string;
  me: Me;
  /** The admin's language as the platform told the app page, or null when it did not say. */
  locale: string | null;
  settings: StoreSettings;
  /** Shopify, back from approving a plan. */
  billing_return?: BillingReturn | null;
  /** WooCommerce: where the Settings screen's Disconnect form posts, and its token. */
  disconnect?: { url: string; token: string } | null;
  fields: FieldFact[];
  languages: string[];
}

export interface Product {
  id: string;
  title: string;
  description_html: string;
  seo_title: string;
  seo_description: string;
  image_url: string | null;
  collection_ids: string[];
  /** The product's page in the store (absent from servers that do not send it yet). */
  url?: string | null;
  /** When the app last published a change to it that was not reverted. */
  optimised_at?: string | null;
  /** Products whose description this one's is near (a few, closest first). */
  duplicate_of?: string[];
}

/** A filter over the store's catalog: GET /api/products takes it as parameters, and a job of
 * `source_scope: "query"` improves every product it matches. */
export interface ProductQuery {
  q?: string;
  collection_id?: string;
  missing?: Attribute[];
  optimised?: boolean;
  /** Only products whose description is near another product's. */
  duplicate?: boolean;
}

export interface Collection {
  id: string;
  name: string;
  product_count: number | null;
}

export type JobStatus = "PENDING" | "RUNNING" | "DONE" | "DONE_WITH_FAILURES" | "FAILED" | "CANCELED";

export interface Job {
  id: number;
  /** Who started the job: the owner, or automation (older servers send none: the owner). */
  origin?: "owner" | "automation";
  /** The brand voice the job was written in (a copy taken when it was made); null: none. */
  brand_voice?: { id: number; name: string } | null;
  status: JobStatus;
  source_scope: string;
  source_ids: string[];
  attributes: Attribute[];
  target_lang: string;
  user_prompt: string;
  credits_charged: number;
  credits_refunded: number;
  counts: {
    total: number;
    done: number;
    failed: number;
    canceled: number;
    pending: number;
    no_change?: number;
    rejected?: number;
    published?: number;
  };
  /** The job's number in its store (1, 2, 3… without gaps); older servers send none. */
  number?: number;
  /** What the job covers, for its title. */
  summary?: { products: number; collections: string[]; query: ProductQuery | null; attributes: Attribute[] };
  /** Seconds left, while the job waits or runs. */
  eta_seconds?: number | null;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  /** When retention removed the job's items (RETENTION_DAYS after it finished); its counts and publish log stay. */
  items_expired_at?: string | null;
}

/** A draft's quality score and the codes of what lowered it (the API's `quality`). */
export interface Quality {
  score: number;
  reasons: string[];
}

/** A fact the draft states that the product data does not: its words and UTF-16 place in `after`. */
export interface FactFlag {
  code: "number" | "unit" | "material" | "claim";
  term: string;
  text: string;
  start: number;
  end: number;
  message: string;
}

export interface Item {
  id: number;
  product_id: string;
  product_title: string | null;
  attribute: Attribute;
  status: "PENDING" | "RUNNING" | "DONE" | "FAILED" | "CANCELED";
  attempts: number;
  before: string | null;
  after: string | null;
  flags: unknown;
  fact_flags?: FactFlag[];
  quality?: Quality | null;
  reason: string | null;
  error: string | null;
  review_state: string | null;
  published_at: string | null;
  /** The model that wrote `after` (the fallback's when the primary was down). */
  model: string | null;
  /** Image alt text: the product's images in order (`before`/`after` are JSON lists of {image_id, alt}). */
  images?: { image_id: string; url: string | null }[] | null;
}

export interface PublishLog {
  id: number;
  item_id: number | null;
  product_id: string;
  product_title: string | null;
  attribute: Attribute;
  old_value: string | null;
  new_value: string | null;
  published_at: string | null;
  reverted_at: string | null;
}

/** Who did something in the store, as the audit trail names them. */
export type ActorKind = "owner" | "automation" | "webhook";

/** One entry of the store's audit trail (`GET /api/activity`). */
export interface ActivityEntry {
  id: number;
  at: string;
  actor: { kind: ActorKind; user_id: string | null };
  /** job_created, published, reverted, restored, product_changed, products_queued, sweep, cap_reached, automation_changed; newer ones may come. */
  action: string;
  job_id: number | null;
  job_number: number | null;
  publish_log_id: number | null;
  product_id: string | null;
  detail: Record<string, unknown>;
  /** A published or restored value still in the store: `POST /api/publish-logs/{id}/revert` undoes it. */
  revertible: boolean;
  /** What the publish log entry wrote, when the entry is about one. */
  change: {
    product_title: string | null;
    attribute: Attribute;
    old_value: string | null;
    new_value: string | null;
    reverted_at: string | null;
  } | null;
  /** A job automation made with something of it still in the store: `POST /api/jobs/{id}/revert` undoes it. */
  job_revertible: boolean;
}

export interface ActivityPage {
  entries: ActivityEntry[];
  next_before: number | null;
}

export interface PublishOutcome {
  item_id: number;
  status: string;
  message?: string;
}
