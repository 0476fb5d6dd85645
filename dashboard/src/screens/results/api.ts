/** The Results screen's requests: a job with all its items, its publish log, review, publish and revert. */
import { api } from "../../api";
import type { PublishLog, PublishOutcome } from "../../types";
import type { ReviewItem, ReviewJob } from "./model";

export interface Loaded {
  job: ReviewJob;
  /** The job's status and counters: its items are read again only when these move (or when forced). */
  key: string;
  items?: ReviewItem[];
}

const PAGE = 1000;

export function jobKey(job: ReviewJob): string {
  const c = job.counts;
  return [job.status, c.done, c.failed, c.canceled, c.no_change, c.rejected, c.published].join(":");
}

export async function fetchJob(jobId: number, seenKey: string, force: boolean, signal?: AbortSignal): Promise<Loaded> {
  const job = await api<ReviewJob>(`/api/jobs/${jobId}`, { signal });
  const key = jobKey(job);
  if (key === seenKey && !force) return { job, key };
  // Past retention the items are gone for good (their endpoint answers 410): nothing to page through.
  if (job.items_expired_at) return { job, key, items: [] };
  const items: ReviewItem[] = [];
  let after = 0;
  for (;;) {
    const page = await api<{ items: ReviewItem[]; next_after: number | null }>(
      `/api/jobs/${jobId}/items?limit=${PAGE}&after=${after}`,
      { signal },
    );
    items.push(...page.items);
    if (!page.next_after) break;
    after = page.next_after;
  }
  return { job, key, items };
}

const LOG_PAGE = 200;
const MAX_LOG_PAGES = 60;

/** The store's publish log back to the job's creation: every entry this job's publishes wrote. */
export async function fetchLogs(since: string | null, signal?: AbortSignal): Promise<PublishLog[]> {
  const logs: PublishLog[] = [];
  const from = since ? Date.parse(since) : NaN;
  let before = 0;
  for (let page = 0; page < MAX_LOG_PAGES; page++) {
    const answer = await api<{ logs: PublishLog[] }>(
      `/api/publish-logs?limit=${LOG_PAGE}${before ? `&before=${before}` : ""}`,
      { signal },
    );
    logs.push(...answer.logs);
    const last = answer.logs[answer.logs.length - 1];
    if (answer.logs.length < LOG_PAGE || !last) break;
    if (!Number.isNaN(from) && last.published_at && Date.parse(last.published_at) < from) break;
    before = last.id;
  }
  return logs;
}

export function review(itemId: number, decision: "accept" | "reject" | "reset"): Promise<ReviewItem> {
  return api<ReviewItem>(`/api/items/${itemId}/review`, { method: "POST", body: { decision } });
}

export function regenerate(itemId: number, note: string): Promise<ReviewItem> {
  return api<ReviewItem>(`/api/items/${itemId}/regenerate`, { method: "POST", body: note ? { note } : {} });
}

export function saveEdit(itemId: number, after: string): Promise<{ after: string; review_state: string }> {
  return api(`/api/items/${itemId}`, { method: "PATCH", body: { after } });
}

const PUBLISH_CHUNK = 500;

/** Publish `ids` in the server's batches of 500; every item's outcome. */
export async function publish(ids: number[]): Promise<PublishOutcome[]> {
  const outcomes: PublishOutcome[] = [];
  for (let i = 0; i < ids.length; i += PUBLISH_CHUNK) {
    const res = await api<{ results: PublishOutcome[] }>("/api/publish", {
      method: "POST",
      body: { item_ids: ids.slice(i, i + PUBLISH_CHUNK) },
    });
    outcomes.push(...res.results);
  }
  return outcomes;
}

export type ChangedLog = PublishLog & { current_value: string | null };
export type FailedLog = PublishLog & { error: string };

export interface RevertResult {
  reverted: PublishLog[];
  changed_in_store: ChangedLog[];
  failed: FailedLog[];
}

export function revertJob(jobId: number): Promise<RevertResult> {
  return api<RevertResult>(`/api/jobs/${jobId}/revert`, { method: "POST", body: {} });
}

/** Revert the entries `logIds` (500 at a time, the server's limit); `force` overwrites values changed in the store since. */
export async function revertLogs(logIds: number[], force = false): Promise<RevertResult> {
  const total: RevertResult = { reverted: [], changed_in_store: [], failed: [] };
  for (let i = 0; i < logIds.length; i += PUBLISH_CHUNK) {
    const res = await api<RevertResult>("/api/publish-logs/revert", {
      method: "POST",
      body: force ? { log_ids: logIds.slice(i, i + PUBLISH_CHUNK), force: true } : { log_ids: logIds.slice(i, i + PUBLISH_CHUNK) },
    });
    total.reverted.push(...res.reverted);
    total.changed_in_store.push(...res.changed_in_store);
    total.failed.push(...res.failed);
  }
  return total;
}

/** The single-entry revert; answers 409 with the store's `current_value` when it changed since. */
export function revertLog(logId: number, force = false): Promise<PublishLog> {
  return api<PublishLog>(`/api/publish-logs/${logId}/revert`, { method: "POST", body: force ? { force: true } : {} });
}
