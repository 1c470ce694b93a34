import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development the API runs beside Vite on API_PORT (default 3000); the proxy keeps the
// browser on one origin, as in production where the server serves this app itself.
const api = `http://127.0.0.1:${process.env.API_PORT ?? "3000"}`;

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/trpc": { target: api },
      "/session": { target: api },
      "/healthz": { target: api },
    },
  },
});
