import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { postGraphQL } from "@spx/runtime/clients";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen } from "@spx/runtime/server";
import { createSubgraph } from "@spx/runtime/subgraph";
import { generateSigningKey, localKeySet, signInternalToken } from "@spx/runtime/tokens";

// The default a new user gets: no database URL, an embedded PGlite under DATA_DIR.
describe("embedded database (PGlite under DATA_DIR)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-embedded-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("migrates, seeds the demo population, answers a query, and keeps its data across restarts", async () => {
    const { key } = await generateSigningKey();
    const start = () =>
      createSubgraph(populationSubgraph, {
        dataDir,
        gatewayKeys: localKeySet([key]),
        logger: createLogger("population", "silent"),
        demoSeed: true,
      });
    const app = await start();
    expect(app.database.kind).toBe("pglite");
    const server = await listen(app.handler, 0);
    try {
      const query = "{ persons(first: 3) { edges { node { idcs lastName } } } }";
      const token = await signInternalToken(key, "population", {
        caller: { sub: "t", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" },
        requestId: "embedded",
        request: { query },
      });
      const { body } = await postGraphQL<{ persons: { edges: unknown[] } }>(
        `${server.url}/graphql`,
        { query },
        { authorization: `Bearer ${token}` },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.persons.edges).toHaveLength(3);
      const regions = await app.database.sql.query<{ n: number }>(
        "SELECT count(DISTINCT region_code)::int AS n FROM person",
      );
      expect(regions[0]?.n).toBe(12);
      const [counts] = await app.database.sql.query<{ total: number; minors: number; foreign: number; dead: number }>(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE legal_representative_idcs IS NOT NULL)::int AS minors,
                count(*) FILTER (WHERE residency_status = 'FOREIGN_RESIDENT')::int AS foreign,
                count(*) FILTER (WHERE life_status = 'DECEASED')::int AS dead
         FROM person`,
      );
      expect(counts?.total).toBeGreaterThanOrEqual(2000);
      expect(counts?.minors).toBeGreaterThan(0);
      expect(counts?.foreign).toBeGreaterThan(0);
      expect(counts?.dead).toBeGreaterThan(0);
    } finally {
      await server.close();
      await app.close();
    }

    const again = await start();
    try {
      const [row] = await again.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
      expect(row?.n).toBeGreaterThanOrEqual(2000);
      // A second process on the same folder would silently lose writes: it is refused.
      await expect(openDatabase({ name: "population", dataDir })).rejects.toThrow(/already open/);
    } finally {
      await again.close();
    }
  }, 120_000);

  it("applies each migration once and records it in Prisma's bookkeeping", async () => {
    const database = await openDatabase({ name: "migrations-check", dataDir });
    try {
      expect(await applyMigrations(database.sql, populationSubgraph.migrationsDir)).toEqual(["20261122000000_init"]);
      expect(await applyMigrations(database.sql, populationSubgraph.migrationsDir)).toEqual([]);
      const rows = await database.sql.query<{ migration_name: string; applied_steps_count: number }>(
        `SELECT migration_name, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
      );
      expect(rows).toEqual([{ migration_name: "20261122000000_init", applied_steps_count: 1 }]);
    } finally {
      await database.close();
    }
  });
});
