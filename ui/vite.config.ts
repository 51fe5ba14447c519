import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Bundled assets only: the app loads nothing from the network.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
});
