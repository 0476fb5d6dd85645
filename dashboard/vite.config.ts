import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Built into dist/ with a manifest; the web process serves dist/assets at /assets and its shell
// page reads dist/.vite/manifest.json to emit the script and stylesheet tags.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    manifest: true,
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: { input: "index.html" },
  },
});
