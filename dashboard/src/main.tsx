import { createRoot } from "react-dom/client";
import { App, chooseLanguage } from "./App";
import { api } from "./api";
import { CONFIG } from "./config";
import { sallaHandshake } from "./host/salla";
import "./styles.css";

chooseLanguage(CONFIG.settings);
const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
if (CONFIG.platform === "salla") {
  sallaHandshake(() => api("/api/me")).catch((e: unknown) => console.error("The Salla handshake failed:", e));
}
