import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { population as populationSubgraph } from "@spx/population/subgraph";
import {
  applyMigrations,
  EMBEDDED_SERVER_FILE,
  openDatabase,
  readMigrations,
  startEmbeddedServer,
} from "@spx/runtime/database";
import { createTestDatabase, testDatabaseKind } from "@spx/testkit/test-database";

/**
 * Runs `prisma migrate status` until it has given its verdict; it is stopped once the verdict is
 * out, whether or not the CLI would exit by itself.
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

// The start-up runner keeps Prisma's own bookkeeping, so Prisma's CLI must see the same history:
// on PostgreSQL, and on the embedded database while it serves the system (as under `npm start`),
// where the CLI finds the server from the file it keeps under DATA_DIR, with no URL typed.
describe("migrations applied at start-up", () => {
  it("are what `prisma migrate status` reports as applied", async () => {
    const work = path.join(testsDir, ".tmp", `status-${process.pid}`);
    mkdirSync(work, { recursive: true });
    const cleanups: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
    try {
      const adapters: string[] = [];
      const dataDir = mkdtempSync(path.join(tmpdir(), "spx-status-"));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const server = await startEmbeddedServer({ dataDir, port: 0 });
      cleanups.push(() => server.close());
      const embedded = await openDatabase({ name: "population", url: server.urlOf("population"), dataDir });
      await applyMigrations(embedded.sql, populationSubgraph.migrationsDir);
      await embedded.close();
      const serverFile = JSON.stringify(path.join(dataDir, EMBEDDED_SERVER_FILE));
      adapters.push(`new (await import("@prisma/adapter-pg")).PrismaPg(
    { connectionString: \`postgresql://postgres@127.0.0.1:\${JSON.parse((await import("node:fs")).readFileSync(${serverFile}, "utf8")).port}/population\` },
    { schema: "population" },
  )`);
      if (testDatabaseKind() === "postgres") {
        const db = await createTestDatabase("status", populationSubgraph.migrationsDir);
        cleanups.push(() => db.drop());
        adapters.push(
          `new (await import("@prisma/adapter-pg")).PrismaPg({ connectionString: ${JSON.stringify(db.url)} })`,
        );
      }
      for (const [index, adapter] of adapters.entries()) {
        const config = path.join(work, `prisma-${index}.config.ts`);
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
        const found = readMigrations(populationSubgraph.migrationsDir).length;
        expect(stdout).toMatch(new RegExp(`\\b${found} migrations? found in prisma/migrations`));
        expect(stdout).toContain("Database schema is up to date!");
      }
    } finally {
      for (const cleanup of cleanups.reverse()) {
        await cleanup();
      }
    }
  }, 90_000);
});
