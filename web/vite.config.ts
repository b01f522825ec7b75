import { resolve } from "node:path";
import { defineConfig } from "vite";

// Relative asset paths: `stockade serve` serves dist/ at `/`, but the files work from any prefix.
export default defineConfig({
  base: "./",
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
