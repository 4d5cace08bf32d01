// Decides once which database the whole test run uses and says so: PostgreSQL when
// TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432, embedded PGlite otherwise.
// TEST_EMBEDDED=1 forces PGlite. Each test file then creates (and drops) its own database.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

const LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres";

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Where Debian's chromium package puts the browser the console's tests drive (tests/src/testkit/browser.ts). */
const CHROMIUM = "/usr/bin/chromium";

export default async function globalSetup() {
  // Loud, never a skip: a run without the browser would pass without the console's tests.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the console's browser tests need Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run installs it)`,
    );
  }
  const explicit = process.env.TEST_DATABASE_URL;
  if (process.env.TEST_EMBEDDED === "1") {
    // Forced: exercise the embedded path even where a server answers.
  } else if (explicit) {
    if (!(await reachable(explicit))) {
      throw new Error(`TEST_DATABASE_URL is set but does not answer: ${new URL(explicit).host}`);
    }
    process.env.SPX_TEST_POSTGRES_URL = explicit;
  } else if (await reachable(LOCAL_POSTGRES)) {
    process.env.SPX_TEST_POSTGRES_URL = LOCAL_POSTGRES;
  }
  if (process.env.SPX_TEST_POSTGRES_URL) {
    const { host } = new URL(process.env.SPX_TEST_POSTGRES_URL);
    process.stdout.write(`\nTests run against PostgreSQL at ${host} (one database per test file).\n`);
    return;
  }
  // A fresh PGlite runs initdb (seconds, ~1 GB); every test file starts from one image instead.
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  const image = await db.dumpDataDir("none");
  await db.close();
  const dir = mkdtempSync(path.join(tmpdir(), "spx-pglite-"));
  const file = path.join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await image.arrayBuffer()));
  process.env.SPX_TEST_PGLITE_TEMPLATE = file;
  process.stdout.write("\nNo PostgreSQL reachable: tests run on embedded PGlite (one instance per test file).\n");
}
