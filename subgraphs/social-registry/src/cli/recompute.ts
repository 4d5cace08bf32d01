import { parseArgs } from "node:util";
import { prepareDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { subgraphSettings } from "@spx/runtime/subgraph";
import { PrismaClient } from "../../generated/prisma/index.js";
import { installShippedReferenceData, loadRegistryData } from "../registry-data.js";
import { recomputeIndices } from "../services/recompute.js";
import { socialRegistry } from "../subgraph.js";

/*
 * `npm run -w @spx/social-registry recompute [-- --all]`: after a new model version takes effect,
 * gives every household an index computed with it. On the embedded database, stop the service
 * first (an embedded database has one user at a time).
 */
const { values } = parseArgs({ options: { all: { type: "boolean", default: false } } });
const env = subgraphSettings(socialRegistry);
const logger = createLogger(socialRegistry.name, env.logLevel);
const database = await prepareDatabase({
  name: socialRegistry.name,
  url: env.databaseUrl,
  dataDir: env.dataDir,
  migrationsDir: socialRegistry.migrationsDir,
  log: logger,
});
const prisma = new PrismaClient({ adapter: database.adapter });
try {
  await installShippedReferenceData(prisma);
  const data = await loadRegistryData(prisma);
  const started = Date.now();
  const updated = await recomputeIndices(prisma, data, {
    all: values.all,
    onProgress: (done, total) => {
      const seconds = (Date.now() - started) / 1000;
      const eta = done > 0 ? Math.round((seconds / done) * (total - done)) : 0;
      process.stderr.write(
        `\r${done}/${total} households (${Math.round((done / Math.max(total, 1)) * 100)}%), ETA ${eta} s   `,
      );
    },
  });
  process.stderr.write(`\n${updated} households got a new index\n`);
} finally {
  await prisma.$disconnect();
  await database.close();
}
