import { openDatabase } from "@spx/runtime/database";
import { AccessLogStore } from "../access-log/store.js";
import { loadEnv } from "../env.js";

/*
 * `npm run audit:verify`: walks the access log's hash chain from its first entry and names the
 * first entry that does not follow from the one before it. Exit 0 when the chain is whole, 1 when
 * it is broken, 2 when the log cannot be read. Reads ACCESS_LOG_DATABASE_URL, or the embedded
 * database under DATA_DIR: through `npm start`'s server while it runs (found from the file it
 * keeps there), or opened by this command when the system is stopped.
 */
const env = loadEnv();
let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
try {
  database = await openDatabase({ name: "access-log", url: env.accessLogDatabaseUrl, dataDir: env.dataDir });
  const [table] = await database.sql.query<{ present: boolean }>(
    "SELECT to_regclass('access_log') IS NOT NULL AS present",
  );
  if (!table?.present) {
    process.stderr.write(`No access log in ${database.location}\n`);
    process.exitCode = 2;
  } else {
    const started = Date.now();
    const check = await new AccessLogStore(database.sql).verify((checked) => {
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${checked} entries checked`);
      }
    });
    if (process.stderr.isTTY) {
      process.stderr.write("\n");
    }
    if (check.broken) {
      const { seq, id, reason } = check.broken;
      process.stdout.write(
        `access log BROKEN at entry #${seq} (${id}): ${reason}; the ${check.entries} entries before it are intact\n`,
      );
      process.exitCode = 1;
    } else {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`access log intact: ${check.entries} entries, hash chain verified in ${seconds} s\n`);
    }
  }
} catch (error) {
  process.stderr.write(`Could not read the access log: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await database?.close();
}
