import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDatabase } from "@spx/runtime/database";
import { accessLogKeys } from "../access-log/log-keys.js";
import { type VerifierKeys, verifierKeysOf } from "../access-log/published-keys.js";
import { describeCheck, type OutsideCheckpoint, verifyAccessLog } from "../access-log/verify-log.js";
import { loadEnv } from "../env.js";

/*
 * `npm run audit:verify [-- --keys <JWKS file or URL>] [--checkpoint <file>]... [--offline]`:
 * recomputes the access log's tree from its stored entries (and the old hash chain for the entries
 * from before it), compares it with the stored tree, with every stored checkpoint (log signature,
 * cosignatures), with the latest checkpoint each witness cosigned (asked at its URL unless
 * --offline) and with checkpoints a party holds (--checkpoint), and names what is wrong. Exit 0
 * when all agree, 1 when something does not, 2 when the log cannot be read. Reads
 * ACCESS_LOG_DATABASE_URL, or the embedded database under DATA_DIR: through `npm start`'s server
 * while it runs (found from the file it keeps there), or opened by this command when the system is
 * stopped. Keys: the published ones with --keys, else the log's and the witnesses' from the settings.
 */
const usage = "Usage: npm run audit:verify [-- --keys <JWKS file or URL>] [--checkpoint <file>]... [--offline]";

class UsageError extends Error {}

async function readText(source: string, what: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => {
      throw new UsageError(`cannot fetch ${what} from ${source}: ${error.message}`);
    });
    if (!response.ok) {
      throw new UsageError(`cannot fetch ${what} from ${source}: HTTP ${response.status}`);
    }
    return response.text();
  }
  try {
    return readFileSync(source, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${source}: ${(error as Error).message}`);
  }
}

/** The latest checkpoint a witness cosigned for this origin (C2SP: its own state, not the log's). */
async function witnessCheckpoint(url: string, origin: string): Promise<string | undefined> {
  const response = await fetch(`${url.replace(/\/$/, "")}/checkpoint?origin=${encodeURIComponent(origin)}`, {
    signal: AbortSignal.timeout(3000),
  });
  if (response.status === 404) {
    return undefined;
  }
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
  return response.text();
}

const warn = (text: string) => process.stderr.write(`${text}\n`);

const env = loadEnv();
let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
try {
  let values: { keys?: string | undefined; checkpoint?: string[] | undefined; offline?: boolean | undefined };
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: {
        keys: { type: "string" },
        checkpoint: { type: "string", multiple: true },
        offline: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // The published keys when given (an auditor's own copy); the configured ones otherwise.
  const configured = values.keys && values.offline ? undefined : await accessLogKeys(env);
  let keys: VerifierKeys | undefined = configured && {
    log: configured.log,
    witnesses: configured.witnesses.map((w) => w.key),
  };
  if (values.keys) {
    try {
      keys = verifierKeysOf(JSON.parse(await readText(values.keys, "the keys")));
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError(`${values.keys}: ${(error as Error).message}`);
    }
  }
  if (!keys) {
    throw new UsageError("no keys to verify with");
  }
  const outside: OutsideCheckpoint[] = [];
  for (const file of values.checkpoint ?? []) {
    outside.push({ label: file, note: await readText(file, "the checkpoint") });
  }
  for (const witness of values.offline ? [] : (configured?.witnesses ?? [])) {
    try {
      const note = await witnessCheckpoint(witness.url, configured?.origin ?? "");
      if (note) {
        outside.push({ label: `witness ${witness.name}`, note });
      } else {
        warn(`witness ${witness.name} has cosigned no checkpoint of ${configured?.origin} yet`);
      }
    } catch (error) {
      warn(
        `witness ${witness.name} (${witness.url}) not reachable (${(error as Error).message}): compared with the cosignatures stored in the log only`,
      );
    }
  }
  database = await openDatabase({ name: "access-log", url: env.accessLogDatabaseUrl, dataDir: env.dataDir });
  const [table] = await database.sql.query<{ present: boolean }>(
    "SELECT to_regclass('access_log_tree') IS NOT NULL AS present",
  );
  if (!table?.present) {
    warn(`No access log in ${database.location}`);
    process.exitCode = 2;
  } else {
    const started = Date.now();
    const check = await verifyAccessLog({
      sql: database.sql,
      keys,
      outside,
      onProgress: (checked) => {
        if (process.stderr.isTTY) {
          process.stderr.write(`\r${checked} entries checked`);
        }
      },
    });
    if (process.stderr.isTTY) {
      process.stderr.write("\n");
    }
    const report = describeCheck(check, (Date.now() - started) / 1000);
    process.stdout.write(report.text);
    process.exitCode = report.exitCode;
  }
} catch (error) {
  if (error instanceof UsageError) {
    warn(`${error.message}\n${usage}`);
  } else {
    warn(`Could not verify the access log: ${(error as Error).message}`);
  }
  process.exitCode = 2;
} finally {
  await database?.close();
}
