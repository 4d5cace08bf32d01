import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { PrismaClient } from "../../generated/prisma/index.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "../registry-data.js";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { recomputeIndices } from "../services/recompute.js";
import { type RegistryPrisma, socialRegistry } from "../subgraph.js";

/*
 * The enrolment migration on rows written before it: `schooling` becomes `attainment` in
 * declarations (enrolment null) and in the facts of every index (so that a recompute gives the
 * same scores), and AMO Achamil's shipped rule moves to its decree's date. The database is built
 * with every migration; the rows are then put back in their old shape and the migration's data
 * statements run on them again.
 */

let db: TestDatabase;
let prisma: RegistryPrisma;
let data: RegistryData;

const migration = readFileSync(
  new URL("../../prisma/migrations/20261203102000_enrolment/migration.sql", import.meta.url),
  "utf8",
);
const dataStatements = migration
  .split(/;\s*\n/)
  .map((statement) =>
    statement
      .split("\n")
      .filter((line) => !line.startsWith("--"))
      .join("\n")
      .trim(),
  )
  .filter((statement) => statement.startsWith("UPDATE"));

beforeAll(async () => {
  db = await createTestDatabase("enrolment_migration", socialRegistry.migrationsDir);
  prisma = new PrismaClient({ adapter: db.database.adapter });
  await installShippedReferenceData(prisma);
  data = await loadRegistryData(prisma);
  await seedDemoIfEmpty(prisma, data, { persons: 120 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

describe("the enrolment migration", () => {
  it("renames schooling to attainment in declarations and index facts, and moves Achamil's rule to 15 Dec 2023", async () => {
    expect(dataStatements).toHaveLength(3);
    const scores = async () =>
      new Map(
        (await prisma.indexComputation.findMany({ where: { current: true } })).map((c) => [
          c.householdId,
          c.score.toFixed(7),
        ]),
      );
    const before = await scores();
    // Back to the shape written before issue 19.
    await prisma.$executeRawUnsafe(`UPDATE declaration SET member_details = (
      SELECT jsonb_agg(jsonb_build_object('idcs', m -> 'idcs', 'schooling', m -> 'attainment', 'occupation', m -> 'occupation') ORDER BY i)
      FROM jsonb_array_elements(member_details) WITH ORDINALITY AS e(m, i))`);
    await prisma.$executeRawUnsafe(`UPDATE index_computation SET inputs = jsonb_set(inputs, '{members}', (
      SELECT jsonb_agg((m - 'attainment') || jsonb_build_object('schooling', m -> 'attainment') ORDER BY i)
      FROM jsonb_array_elements(inputs -> 'members') WITH ORDINALITY AS e(m, i)))`);
    await prisma.$executeRawUnsafe(
      "UPDATE program_threshold SET effective_from = DATE '2022-12-01' WHERE program = 'AMO_ACHAMIL'",
    );
    const [old] = await prisma.declaration.findMany({ take: 1, orderBy: { householdId: "asc" } });
    expect(JSON.stringify(old?.memberDetails)).toContain('"schooling"');

    for (const statement of dataStatements) {
      await prisma.$executeRawUnsafe(statement);
    }

    const declarations = await prisma.declaration.findMany();
    for (const d of declarations) {
      for (const line of d.memberDetails as Record<string, unknown>[]) {
        expect(Object.keys(line).sort()).toEqual(["attainment", "enrolment", "idcs", "occupation"]);
        expect(line.enrolment).toBeNull();
      }
    }
    const first = declarations.find((d) => d.id === old?.id);
    const idcsOf = (details: unknown) => ((details ?? []) as { idcs: string }[]).map((m) => m.idcs);
    expect(idcsOf(first?.memberDetails)).toEqual(idcsOf(old?.memberDetails));
    const facts = await prisma.indexComputation.findMany({ take: 5 });
    expect(JSON.stringify(facts.map((f) => f.inputs))).not.toContain('"schooling"');
    const thresholds = await prisma.programThreshold.findMany({ where: { program: "AMO_ACHAMIL" } });
    expect(thresholds.map((t) => t.effectiveFrom.toISOString().slice(0, 10))).toEqual(["2023-12-15"]);

    // Recomputing from the migrated facts gives every household the score it had.
    await data.refresh();
    await recomputeIndices(prisma, data, { all: true });
    expect(await scores()).toEqual(before);
    const events = await prisma.$queryRawUnsafe<{ n: number }[]>("SELECT count(*)::int AS n FROM outbox_event");
    expect(events[0]?.n).toBe(0);
  });

  it("leaves a row already in the new shape as it is", async () => {
    const [d] = await prisma.declaration.findMany({ take: 1 });
    const id = randomUUID();
    await prisma.declaration.create({
      data: {
        ...(d as NonNullable<typeof d>),
        id,
        version: 99,
        landHectares: d?.landHectares ?? 0,
        memberDetails: [
          {
            idcs: "1000000009",
            attainment: "HIGHER",
            occupation: "STUDENT",
            enrolment: { level: "HIGHER", institutionType: "PUBLIC", schoolYear: "2026-2027" },
          },
        ],
        verification: [],
      },
    });
    for (const statement of dataStatements) {
      await prisma.$executeRawUnsafe(statement);
    }
    const after = await prisma.declaration.findUniqueOrThrow({ where: { id } });
    expect(after.memberDetails).toEqual([
      {
        idcs: "1000000009",
        attainment: "HIGHER",
        occupation: "STUDENT",
        enrolment: { level: "HIGHER", institutionType: "PUBLIC", schoolYear: "2026-2027" },
      },
    ]);
  });
});
