// The page is served by the Worker as static assets from www/dist (wrangler.toml [assets]).
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // The checker runs in a module Web Worker that imports the npm package (wasm, top-level await).
  worker: { format: "es" },
});
