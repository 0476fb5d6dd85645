import { CONFIG } from "./config";
import { shopifySessionToken } from "./host/shopify";
import { errorWords, language, t } from "./i18n";

/** An API failure, with a sentence a store owner can read. */
export class ApiError extends Error {
  status: number;
  code: string;
  details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * One sentence an owner can read. For a refused request the server's own sentence is English: an
 * English UI shows it (it says exactly what was wrong); another language shows the words for the
 * error's code. A server-side failure is always worded from its code; a code the dashboard does
 * not know falls back on the words for its status.
 */
function plainMessage(status: number, serverMessage: string | undefined, code?: string): string {
  if (status === 0) return t("error.network");
  if (status === 401) return t("error.session");
  if (status === 403) return t("error.forbidden");
  if (status === 429) return t("error.tooMany");
  const coded = code ? errorWords(code) : null;
  if (status >= 500) return coded ?? t(status === 502 ? "error.store" : "error.server");
  if (serverMessage && language() === "en") return serverMessage;
  if (coded) return coded;
  if (status === 404) return t("error.notFound");
  return t("error.generic");
}

/** Shopify: a fresh App Bridge session token for every call; the other platforms: the page's app session. */
async function authorization(): Promise<string> {
  if (CONFIG.platform !== "shopify") return `Bearer ${CONFIG.session}`;
  try {
    return `Bearer ${await shopifySessionToken()}`;
  } catch {
    throw new ApiError(401, "session", plainMessage(401, undefined), {});
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const auth = await authorization();
  let res: Response;
  try {
    res = await fetch(path, {
      signal: init.signal,
      method: init.method ?? "GET",
      headers: {
        Authorization: auth,
        ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: "omit",
    });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new ApiError(0, "network", plainMessage(0, undefined), {});
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } & Record<string, unknown> } | null)?.error;
    throw new ApiError(res.status, err?.code ?? "error", plainMessage(res.status, err?.message, err?.code), err ?? {});
  }
  return data as T;
}

export function messageOf(e: unknown): string {
  return e instanceof ApiError ? e.message : t("error.unknown");
}
