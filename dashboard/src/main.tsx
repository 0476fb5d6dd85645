import { createRoot } from "react-dom/client";
import { App, chooseLanguage } from "./App";
import { api } from "./api";
import { CONFIG } from "./config";
import { sallaHandshake } from "./host/salla";
import "./styles.css";

/** How long the words wait for Salla to name the admin's language before the store's default decides. */
const SALLA_LAYOUT_WAIT_MS = 1500;

let started = false;
function start(): void {
  if (started) return;
  started = true;
  chooseLanguage(CONFIG.settings);
  const root = document.getElementById("root");
  if (root) createRoot(root).render(<App />);
}

if (CONFIG.platform === "salla") {
  // Salla's overlay hides the app until the handshake's end, so waiting for its layout (which
  // names the admin's language when the page's URL did not) costs the owner nothing.
  const fallback = window.setTimeout(start, SALLA_LAYOUT_WAIT_MS);
  sallaHandshake(
    () => api("/api/me"),
    (layout) => {
      if (!CONFIG.locale && layout.locale) CONFIG.locale = layout.locale;
      window.clearTimeout(fallback);
      start();
    },
  )
    .catch((e: unknown) => console.error("The Salla handshake failed:", e))
    .finally(() => {
      window.clearTimeout(fallback);
      start();
    });
} else {
  start();
}
