import { ApiError, authorization } from "./api";
import { t } from "./i18n";

async function failure(res: Response): Promise<ApiError> {
  const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } & Record<string, unknown> } | null;
  const err = data?.error;
  return new ApiError(res.status, err?.code ?? "error", err?.message || t("error.generic"), err ?? {});
}

/** Saves the file an API path answers with (CSV or Excel) under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { Authorization: await authorization() }, credentials: "omit" });
  } catch {
    throw new ApiError(0, "network", t("error.network"), {});
  }
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Sends one file (multipart field `file`) and returns the JSON answer. */
export async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append("file", file, file.name);
  let res: Response;
  try {
    res = await fetch(path, { method: "POST", headers: { Authorization: await authorization() }, body: form, credentials: "omit" });
  } catch {
    throw new ApiError(0, "network", t("error.network"), {});
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
