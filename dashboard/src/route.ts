/**
 * Where the owner is, kept in the page's hash so the browser's history, a reload and a shared link
 * all land on the same section and job: `#optimise`, `#queue`, `#queue/automation`, `#results`,
 * `#results/12`, `#activity`, `#billing`, `#settings`.
 */
export type Tab = "optimise" | "queue" | "results" | "billing" | "settings" | "activity";

export const TAB_IDS: readonly Tab[] = ["optimise", "queue", "results", "activity", "billing", "settings"];

export interface Route {
  tab: Tab;
  /** The job open on Results; null on every other section and on Results before one is chosen. */
  jobId: number | null;
  /** The Queue showing only the jobs automation started. */
  automation?: boolean;
}

/** The route a hash names; anything it cannot read is the Optimise section. */
export function parseHash(hash: string): Route {
  const [section, id] = hash.replace(/^#\/?/, "").split("/");
  const tab = TAB_IDS.find((candidate) => candidate === section) ?? "optimise";
  const jobId = tab === "results" && id && /^\d{1,12}$/.test(id) ? Number(id) : null;
  return tab === "queue" && id === "automation" ? { tab, jobId, automation: true } : { tab, jobId };
}

export function routeHash(route: Route): string {
  if (route.tab === "results" && route.jobId !== null) return `#results/${route.jobId}`;
  if (route.tab === "queue" && route.automation) return "#queue/automation";
  return `#${route.tab}`;
}

export function sameRoute(a: Route, b: Route): boolean {
  return a.tab === b.tab && a.jobId === b.jobId && !!a.automation === !!b.automation;
}

/**
 * Records `route` in the browser's history: a new entry (`push`) when the owner went somewhere, or
 * the current one rewritten when the app only filled in a detail (Results choosing the newest job).
 * Some hosts forbid history changes; the section still changes.
 */
export function writeRoute(route: Route, mode: "push" | "replace"): void {
  const hash = routeHash(route);
  if (window.location.hash === hash) return;
  try {
    if (mode === "push") window.history.pushState(null, "", hash);
    else window.history.replaceState(null, "", hash);
  } catch {
    /* the section still switches */
  }
}
