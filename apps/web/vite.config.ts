import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// In development the API runs beside Vite on API_PORT (default 3000); the proxy keeps the
// browser on one origin, as in production where the server serves this app itself.
const api = `http://127.0.0.1:${process.env.API_PORT ?? "3000"}`;

/** Serves the vanity page's own entry at /vanity/agents, as the server does in production. */
function vanityRoute(): Plugin {
  return {
    name: "vanity-route",
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const url = req.url ?? "";
        if (/^\/vanity\/agents\/?(\?|$)/.test(url)) {
          const query = url.includes("?") ? url.slice(url.indexOf("?")) : "";
          req.url = `/vanity.html${query}`;
        }
        next();
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), vanityRoute()],
  build: {
    rollupOptions: {
      // Two pages: the host demo (index.html) and the vanity page (vanity.html).
      input: { main: "index.html", vanity: "vanity.html" },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/trpc": { target: api },
      "/session": { target: api },
      "/v1": { target: api },
      "/healthz": { target: api },
    },
  },
});
