import { createContext, useContext } from "react";
import type { Route, Tab } from "./route";
import type { Job, Me, StoreSettings } from "./types";
import type { ApiState } from "./useApi";

export type { Tab } from "./route";

/** A short notice about something that happened out of sight (a job finished), with one action. */
export interface Toast {
  text: string;
  error?: boolean;
  action?: { label: string; run: () => void };
}

/** What every screen shares: the store's account and settings, the way between screens, and the
 * store's recent jobs (watched while any runs, so a finished job is noticed wherever the owner is). */
export interface AppState {
  me: Me;
  setMe: (me: Me) => void;
  refreshMe: () => void;
  settings: StoreSettings;
  /** Takes the settings the server saved. */
  settingsSaved: (settings: StoreSettings) => void;
  /** Where the owner is (the URL's hash says the same). */
  route: Route;
  /** Opens a section (and on Results a job) as a new step in the browser's history. */
  go: (tab: Tab, jobId?: number) => void;
  /** Opens a route (a section with its detail, e.g. the Queue's automation jobs) as a new step. */
  goTo: (route: Route) => void;
  /** The store's 30 newest jobs; polled while any waits or runs. */
  jobs: ApiState<{ jobs: Job[] }>;
  /** Shows a toast: App Bridge's inside Shopify, the dashboard's own elsewhere. */
  notify: (toast: Toast) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside the app");
  return state;
}
