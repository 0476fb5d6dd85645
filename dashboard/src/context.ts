import { createContext, useContext } from "react";
import type { Me, StoreSettings } from "./types";

export type Tab = "optimise" | "queue" | "results" | "billing" | "settings" | "activity";

/** What every screen shares: the store's account and settings, and the way between screens. */
export interface AppState {
  me: Me;
  setMe: (me: Me) => void;
  refreshMe: () => void;
  settings: StoreSettings;
  /** Takes the settings the server saved; the UI's words follow their default language. */
  settingsSaved: (settings: StoreSettings) => void;
  go: (tab: Tab, jobId?: number) => void;
  /** The language new text is written in on the Optimise screen; the layout follows it. */
  setWorkingLanguage: (lang: string) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside the app");
  return state;
}
