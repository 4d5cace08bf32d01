import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { PrismaClient } from "../../generated/prisma/index.js";
import { loadShippedModels } from "../domain/models.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "../registry-data.js";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { recomputeIndices } from "../services/recompute.js";
import { type RegistryPrisma, socialRegistry } from "../subgraph.js";

let db: TestDatabase;
let prisma: RegistryPrisma;
let data: RegistryData;

beforeAll(async () => {
  db = await createTestDatabase("recompute", socialRegistry.migrationsDir);
  prisma = new PrismaClient({ adapter: db.database.adapter });
  await installShippedReferenceData(prisma);
  data = await loadRegistryData(prisma);
  await seedDemoIfEmpty(prisma, data, { persons: 200 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

describe("a new model version taking effect", () => {
  it("gives every household of its milieu a new index, as data, with progress reports", async () => {
    const scores = async () =>
      new Map(
        (await prisma.indexComputation.findMany({ where: { current: true }, include: { household: true } })).map(
          (c) => [c.householdId, { score: Number(c.score), milieu: c.household.milieu, version: c.modelVersion }],
        ),
      );
    const before = await scores();
    const [urban] = loadShippedModels().filter((m) => m.milieu === "URBAN");
    const yesterday = new Date(Date.now() - 86_400_000);
    await prisma.indexModelVersion.create({
      data: {
        version: "v2",
        milieu: "URBAN",
        effectiveFrom: yesterday,
        definition: JSON.parse(
          JSON.stringify({
            ...urban,
            version: "v2",
            effectiveFrom: yesterday.toISOString().slice(0, 10),
            constant: (urban?.constant ?? 0) + 0.1,
          }),
        ),
      },
    });
    await data.refresh();
    const progress: number[] = [];
    const updated = await recomputeIndices(prisma, data, { onProgress: (done) => progress.push(done) });
    const after = await scores();
    const urbanCount = [...before.values()].filter((s) => s.milieu === "URBAN").length;
    expect(updated).toBe(urbanCount);
    expect(progress.at(-1)).toBe(before.size);
    for (const [id, old] of before) {
      const now = after.get(id);
      if (old.milieu === "URBAN") {
        expect(now?.version).toBe("v2");
        expect(now?.score).toBeCloseTo(old.score + 0.1, 6);
      } else {
        expect(now).toEqual(old);
      }
    }
    expect(await recomputeIndices(prisma, data)).toBe(0);
    const history = await prisma.indexComputation.count();
    expect(history).toBe(before.size + urbanCount);
  });

  it("refuses a coefficient set that is not a valid model", async () => {
    await prisma.indexModelVersion.create({
      data: { version: "broken", milieu: "RURAL", effectiveFrom: new Date(), definition: { version: "broken" } },
    });
    await expect(data.refresh()).rejects.toThrow(/Invalid index model/);
    await prisma.indexModelVersion.delete({ where: { version_milieu: { version: "broken", milieu: "RURAL" } } });
    await data.refresh();
  });
});
