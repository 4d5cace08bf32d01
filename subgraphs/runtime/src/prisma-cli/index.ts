import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

/**
 * Every register's `prisma.config.ts`. The CLI runs offline: the JS schema engine talks to an
 * in-memory PGlite instead of downloading Prisma's native engine. Only `generate` and
 * `migrate diff` are used; the runtime applies migrations itself.
 */
export function offlinePrismaConfig() {
  // The schema names a URL only so that the CLI reads its generators; no command here connects with it.
  process.env.PRISMA_CLI_DATABASE_URL ??= "postgresql://offline.invalid/unused";
  return defineConfig({
    experimental: { adapter: true },
    engine: "js",
    schema: path.join("prisma", "schema.prisma"),
    async adapter() {
      return new PrismaPGlite(new PGlite());
    },
  });
}
