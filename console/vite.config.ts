import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

/*
 * The gateway serves the built console (dist/) at / on the graph's origin. `npm run dev -w
 * @spx/console` serves the sources with hot reload and forwards the gateway's paths to
 * CONSOLE_GATEWAY_URL (default http://127.0.0.1:4000, what `npm start` prints).
 */
export default defineConfig(({ mode }) => {
  const gateway = loadEnv(mode, process.cwd(), "CONSOLE_").CONSOLE_GATEWAY_URL ?? "http://127.0.0.1:4000";
  const proxied = { target: gateway, changeOrigin: false };
  return {
    plugins: [react()],
    build: { outDir: "dist", emptyOutDir: true },
    server: {
      host: "127.0.0.1",
      proxy: { "/graphql": proxied, "/console/config.json": proxied, "/dev-issuer": proxied },
    },
  };
});
