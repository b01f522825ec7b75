import { resolve } from "node:path";
import { defineConfig } from "vite";

// Relative asset paths: `stockade serve` serves dist/ at `/`, but the files work from any prefix.
export default defineConfig({
  base: "./",
  // `npm run dev`: the API comes from a running `stockade serve` (same origin for the page).
  server: {
    proxy: { "/v1": process.env.STOCKADE_URL ?? "http://127.0.0.1:8080" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        bench: resolve(import.meta.dirname, "bench.html"),
      },
    },
  },
});
