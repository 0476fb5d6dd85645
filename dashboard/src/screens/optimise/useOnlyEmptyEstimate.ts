import { useEffect, useState } from "react";
import { api } from "../../api";

export interface OnlyEmptyEstimate {
  fields: number;
  skipped: number;
  credits: number;
}

/** What a job writing only empty fields would cost, from the server's estimate (which knows the
 * products' current values); null while off, unknown or being asked. */
export function useOnlyEmptyEstimate(body: Record<string, unknown> | null): OnlyEmptyEstimate | null {
  // Kept with the body it answers, so a changed selection never shows the last one's numbers.
  const [answer, setAnswer] = useState<{ key: string; estimate: OnlyEmptyEstimate | null }>({ key: "", estimate: null });
  const key = body ? JSON.stringify(body) : "";
  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api<{ fields: number; skipped_fields: number; credits: number }>("/api/jobs/estimate", {
        method: "POST",
        body: { ...(JSON.parse(key) as Record<string, unknown>), only_empty: true },
        signal: controller.signal,
      })
        .then((res) =>
          setAnswer({ key, estimate: { fields: res.fields, skipped: res.skipped_fields, credits: res.credits } }),
        )
        .catch(() => setAnswer({ key, estimate: null }));
    }, 300);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  return key && answer.key === key ? answer.estimate : null;
}
