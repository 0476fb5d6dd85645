import { useCallback, useEffect, useRef, useState } from "react";
import { api, messageOf } from "./api";

export interface ApiState<T> {
  /** The last answer; kept while the next one loads and when it fails. */
  data: T | null;
  /** Why the last request failed, in words an owner can read. */
  error: string | null;
  /** True until the answer for the current path (or the last reload) has arrived. */
  loading: boolean;
  reload: () => void;
}

/**
 * GET `path` (nothing while it is null), again when it changes, on `reload()` and every `poll` ms.
 * A request still in flight is aborted when the next one starts and when the component unmounts,
 * so a slow answer to an old search never overwrites a newer one.
 */
export function useApi<T>(path: string | null, options: { poll?: number } = {}): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [settled, setSettled] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const key = path === null ? null : `${generation} ${path}`;
  const { poll } = options;

  useEffect(() => {
    if (path === null) return undefined;
    const fetchNow = () => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      api<T>(path, { signal: controller.signal })
        .then(
          (answer) => {
            if (controller.signal.aborted) return;
            setData(answer);
            setError(null);
          },
          (e: unknown) => {
            if (!controller.signal.aborted) setError(messageOf(e));
          },
        )
        .finally(() => {
          if (controller.signal.aborted) return;
          inFlight.current = null;
          setSettled(key);
        });
    };
    fetchNow();
    const id = poll ? window.setInterval(() => inFlight.current || fetchNow(), poll) : undefined;
    return () => {
      window.clearInterval(id);
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [key, path, poll]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading: key !== null && settled !== key, reload };
}
