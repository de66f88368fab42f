// The page is served by the Worker as static assets from www/dist (wrangler.toml [assets]).
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
