import { createRoot } from "react-dom/client";
import { App, chooseLanguage } from "./App";
import { CONFIG } from "./config";
import "./styles.css";

chooseLanguage(CONFIG.settings);
const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
