import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { population } from "@spx/population/subgraph";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createTestDatabase, testDatabaseKind } from "@spx/testkit/test-database";

/**
 * Runs `prisma migrate status` until it has given its verdict. Over the PGlite adapter the CLI
 * prints its answer but never exits (the embedded database keeps its event loop alive), so it is
 * stopped once the verdict is out.
 */
function migrateStatus(config: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, "migrate", "status", "--config", config], {
      cwd: testsDir,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let output = "";
    const verdict = /Database schema is up to date!|not yet been applied|failed|Error/;
    const timer = setTimeout(() => finish(new Error(`no verdict from prisma migrate status:\n${output}`)), 45_000);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      error ? reject(error) : resolve(output);
    };
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (verdict.test(output)) {
        finish();
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("exit", () => finish());
  });
}
const testsDir = fileURLToPath(new URL("..", import.meta.url));
const schema = fileURLToPath(new URL("../../subgraphs/population/prisma/schema.prisma", import.meta.url));
const prismaCli = fileURLToPath(new URL("../../node_modules/prisma/build/index.js", import.meta.url));

// The start-up runner keeps Prisma's own bookkeeping, so Prisma's CLI must see the same history.
describe("migrations applied at start-up", () => {
  it("are what `prisma migrate status` reports as applied", async () => {
    const work = path.join(testsDir, ".tmp", `status-${process.pid}`);
    mkdirSync(work, { recursive: true });
    const cleanups: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
    try {
      let adapter: string;
      if (testDatabaseKind() === "postgres") {
        const db = await createTestDatabase("status", population.migrationsDir);
        cleanups.push(() => db.drop());
        adapter = `new (await import("@prisma/adapter-pg")).PrismaPg({ connectionString: ${JSON.stringify(db.url)} })`;
      } else {
        const dataDir = mkdtempSync(path.join(tmpdir(), "spx-status-"));
        cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
        const db = await openDatabase({ name: "population", dataDir });
        await applyMigrations(db.sql, population.migrationsDir);
        await db.close();
        const dir = JSON.stringify(path.join(dataDir, "population"));
        adapter = `new (await import("pglite-prisma-adapter")).PrismaPGlite(await (await import("@electric-sql/pglite")).PGlite.create({ dataDir: ${dir} }))`;
      }
      const config = path.join(work, "prisma.config.ts");
      writeFileSync(
        config,
        `import { defineConfig } from "prisma/config";
process.env.PRISMA_CLI_DATABASE_URL ??= "postgresql://offline.invalid/unused";
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: ${JSON.stringify(schema)},
  async adapter() { return ${adapter}; },
});
`,
      );
      const stdout = await migrateStatus(config);
      expect(stdout).toContain("1 migration found in prisma/migrations");
      expect(stdout).toContain("Database schema is up to date!");
    } finally {
      for (const cleanup of cleanups.reverse()) {
        await cleanup();
      }
    }
  }, 60_000);
});
