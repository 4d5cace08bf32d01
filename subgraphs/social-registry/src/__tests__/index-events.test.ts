import { randomUUID } from "node:crypto";
import { isEligible, type ThresholdRule, thresholdOn } from "@spx/reference/thresholds";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { PrismaClient } from "../../generated/prisma/index.js";
import { type EligibilityChanged, PROGRAMS } from "../domain/eligibility-changes.js";
import { loadShippedModels } from "../domain/models.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "../registry-data.js";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { replaceCurrentIndex } from "../services/index-writes.js";
import { recomputeIndices } from "../services/recompute.js";
import { type RegistryPrisma, socialRegistry } from "../subgraph.js";

let db: TestDatabase;
let prisma: RegistryPrisma;
let data: RegistryData;

beforeAll(async () => {
  db = await createTestDatabase("index-events", socialRegistry.migrationsDir);
  prisma = new PrismaClient({ adapter: db.database.adapter });
  await installShippedReferenceData(prisma);
  data = await loadRegistryData(prisma);
  await seedDemoIfEmpty(prisma, data, { persons: 200 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

interface OutboxRow {
  type: string;
  subject: string;
  data: EligibilityChanged;
}
/** The events written, by household and in the order of PROGRAMS (one transaction's events share a time). */
const outbox = async (type = "eligibility.changed") =>
  (
    await prisma.$queryRawUnsafe<OutboxRow[]>(
      "SELECT type, subject, data FROM outbox_event WHERE type = $1 ORDER BY occurred_at, subject",
      type,
    )
  ).sort(
    (a, b) => a.subject.localeCompare(b.subject) || PROGRAMS.indexOf(a.data.program) - PROGRAMS.indexOf(b.data.program),
  );
const clearOutbox = () => prisma.$executeRawUnsafe("DELETE FROM outbox_event");

const currentScores = async () =>
  new Map(
    (await prisma.indexComputation.findMany({ where: { current: true } })).map((c) => [
      c.householdId,
      c.score.toFixed(7),
    ]),
  );

/** The flips between two sets of scores, by the rules in force today, as the register must report them. */
function expectedFlips(before: Map<string, string>, after: Map<string, string>, rules: readonly ThresholdRule[]) {
  return [...after].flatMap(([id, score]) =>
    PROGRAMS.flatMap((program) => {
      const rule = thresholdOn(rules, program, new Date());
      const old = before.get(id);
      return rule && old && isEligible(old, rule) !== isEligible(score, rule) ? [`${id}:${program}`] : [];
    }),
  );
}

/** An index of that score, on the facts of some demo household (so that a later recompute can read them). */
async function anIndex(householdId: string, score: string) {
  const facts = await prisma.indexComputation.findFirstOrThrow({
    where: { current: true },
    orderBy: { householdId: "asc" },
  });
  return {
    id: randomUUID(),
    householdId,
    declarationVersion: 1,
    modelVersion: "v1",
    score,
    inputs: facts.inputs ?? {},
    contributions: [],
  };
}

describe("eligibility.changed on every path that writes an index", () => {
  it("is not written by the demo seed (a bulk load of a state the programmes' demo data already hold)", async () => {
    expect(await prisma.indexComputation.count()).toBeGreaterThan(0);
    expect(await outbox()).toEqual([]);
  });

  it("is written with the index or not at all: a transaction that fails leaves neither", async () => {
    const [household] = await prisma.household.findMany({ take: 1, orderBy: { id: "asc" } });
    const id = household?.id ?? "";
    const before = await prisma.indexComputation.count({ where: { householdId: id } });
    const record = await anIndex(id, "12.0000000");
    await expect(
      prisma.$transaction(async (tx) => {
        await replaceCurrentIndex(tx, data.thresholds, record, {
          cause: "DECLARATION",
          on: new Date(),
        });
        throw new Error("the rest of the change failed");
      }),
    ).rejects.toThrow("the rest of the change failed");
    expect(await prisma.indexComputation.count({ where: { householdId: id } })).toBe(before);
    expect(await outbox()).toEqual([]);
  });

  it("gives one event per programme that flips, none when nothing flips, one per programme for a first index", async () => {
    const scores = await currentScores();
    const [poorId] = [...scores].find(([, s]) => Number(s) < 9.2) ?? [];
    const id = poorId ?? "";
    const write = async (householdId: string, score: string) => {
      const record = await anIndex(householdId, score);
      return prisma.$transaction((tx) =>
        replaceCurrentIndex(tx, data.thresholds, record, { cause: "DECLARATION", on: new Date() }),
      );
    };
    // Still under both thresholds: nothing flips.
    await write(id, "9.2000000");
    expect(await outbox()).toEqual([]);
    // Above Tadamon, under direct aid: Tadamon lost and Achamil gained, direct aid unchanged.
    await write(id, "9.5000000");
    const rows = await outbox();
    expect(rows.map((r) => [r.subject, r.data.program, r.data.eligible, r.data.previouslyEligible])).toEqual([
      [id, "AMO_TADAMON", false, true],
      [id, "AMO_ACHAMIL", true, false],
    ]);
    expect(rows[0]?.data).toEqual({
      householdId: id,
      program: "AMO_TADAMON",
      eligible: false,
      previouslyEligible: true,
      score: "9.5000000",
      threshold: "9.3264284",
      modelVersion: "v1",
      cause: "DECLARATION",
    });
    await clearOutbox();
    const fresh = randomUUID();
    await prisma.household.create({
      data: { id: fresh, regionCode: "04", province: "Rabat", commune: "Agdal", milieu: "URBAN" },
    });
    await write(fresh, "9.6000000");
    expect((await outbox()).map((r) => [r.data.program, r.data.eligible, r.data.previouslyEligible])).toEqual([
      ["AMO_TADAMON", false, null],
      ["DIRECT_AID", true, null],
      ["AMO_ACHAMIL", true, null],
    ]);
    await clearOutbox();
  });

  it("is written by the batched recompute for exactly the households a new model flips, in the page's transaction", async () => {
    const before = await currentScores();
    const [rural] = loadShippedModels().filter((m) => m.milieu === "RURAL");
    const yesterday = new Date(Date.now() - 86_400_000);
    await prisma.indexModelVersion.create({
      data: {
        version: "v2",
        milieu: "RURAL",
        effectiveFrom: yesterday,
        definition: JSON.parse(
          JSON.stringify({
            ...rural,
            version: "v2",
            effectiveFrom: yesterday.toISOString().slice(0, 10),
            constant: (rural?.constant ?? 0) + 0.15,
          }),
        ),
      },
    });
    await data.refresh();
    const updated = await recomputeIndices(prisma, data);
    expect(updated).toBeGreaterThan(0);
    const after = await currentScores();
    const flips = expectedFlips(before, after, data.thresholds);
    expect(flips.length).toBeGreaterThan(0);
    const rows = await outbox();
    expect(rows.map((r) => `${r.subject}:${r.data.program}`).sort()).toEqual([...flips].sort());
    expect(new Set(rows.map((r) => r.data.cause))).toEqual(new Set(["RECOMPUTE"]));
    expect(new Set(rows.map((r) => r.data.modelVersion))).toEqual(new Set(["v2"]));
    for (const row of rows) {
      expect(row.data.score).toBe(after.get(row.subject));
    }
    // Nothing left to recompute: no new index, no event.
    expect(await recomputeIndices(prisma, data)).toBe(0);
    expect((await outbox()).length).toBe(rows.length);
    // Recomputing everyone gives each household the score of its facts: the two indices written by
    // hand above move back, and only their flips are reported.
    expect(await recomputeIndices(prisma, data, { all: true })).toBe(after.size);
    const again = expectedFlips(after, await currentScores(), data.thresholds);
    expect(again.length).toBeGreaterThan(0);
    expect((await outbox()).length).toBe(rows.length + again.length);
    expect(await recomputeIndices(prisma, data, { all: true })).toBe(after.size);
    expect((await outbox()).length).toBe(rows.length + again.length);
  });
});
