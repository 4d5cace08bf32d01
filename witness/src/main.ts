import { readEnvOrExit } from "@spx/runtime/config";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen, stopOnSignals } from "@spx/runtime/server";
import { loadEnv } from "./env.js";
import { trustedLogs, witnessSigner, witnessVkey } from "./keys.js";
import { createWitnessService } from "./server.js";
import { WITNESS_MIGRATIONS } from "./witness-store.js";

const env = readEnvOrExit(loadEnv);
const logger = createLogger("witness", env.logLevel);

/** A key or log list that cannot be used is a refused configuration too: named, exit 2, no stack trace. */
async function orRefuse<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    process.stderr.write(`Invalid configuration:\n  ${(error as Error).message}\n`);
    process.exit(2);
  }
}

const signer = await orRefuse(() => witnessSigner(env));
const logs = await orRefuse(() => trustedLogs(env, signer));
if (!env.logs) {
  logger.warn(
    { origin: logs[0]?.origin, url: logs[0]?.url },
    "WITNESS_LOGS is not set: witnessing the local gateway's log",
  );
}
const database = await openDatabase({
  name: "witness",
  url: env.databaseUrl,
  dataDir: env.dataDir,
  timeouts: env.databaseTimeouts,
  poolSize: 5,
});
await applyMigrations(database.sql, WITNESS_MIGRATIONS);
const service = await createWitnessService({
  sql: database.sql,
  logs,
  signer,
  logger,
  pollIntervalMs: env.pollSeconds * 1000,
});
const running = await listen(service.handler, env.port, env.host);
service.poller.start();
logger.info(
  {
    url: running.url,
    name: env.name,
    vkey: witnessVkey(signer),
    logs: logs.map((log) => ({ origin: log.origin, url: log.url })),
    database: database.kind,
    location: database.location,
  },
  "witness listening",
);
stopOnSignals(logger, {
  server: running,
  graceSeconds: env.shutdownGraceSeconds,
  close: async () => {
    await service.poller.stop();
    await database.close();
  },
});
