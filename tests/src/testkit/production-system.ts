import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directAid as directAidSubgraph } from "@spx/direct-aid/subgraph";
import { ACCESS_LOG_MIGRATIONS } from "@spx/gateway/access-log/store";
import { healthInsurance as healthInsuranceSubgraph } from "@spx/health-insurance/subgraph";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { createGraphClient } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { createSubgraph } from "@spx/runtime/subgraph";
import { noteKeyFromJwk, verifierKeyString } from "@spx/runtime/tlog";
import { generateSigningKey, InternalTokenSigner, TokenKeyring } from "@spx/runtime/tokens";
import { socialRegistry as socialRegistrySubgraph } from "@spx/social-registry/subgraph";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";

/*
 * The system as an operator runs it: each service its own built `dist/main.js`, NODE_ENV=production,
 * given only its settings. Production seeds nothing (DEMO_SEED=true is refused there), so the test
 * fills the registers' PostgreSQL databases beforehand, from the test process, with the demo seed.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface ServiceProcess {
  name: string;
  /** `http://127.0.0.1:<port>` (without `/graphql`). */
  url: string;
  /** Everything it wrote to stdout and stderr so far (the last 20,000 characters). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; waits for the exit. Does nothing once it has exited. */
  stop(): Promise<void>;
  /** Its exit status once it has exited (null while it runs, or when a signal ended it). */
  exitCode(): number | null;
}

/** The access log's checkpoint origin the production tests give. */
export const PRODUCTION_ACCESS_LOG_ORIGIN = "exchange.test/access-log";

const ed25519Jwk = () => generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });

/**
 * ACCESS_LOG_WITNESSES naming one witness at `url` (a fresh cosignature key; nothing needs to
 * answer there: the log submits its checkpoints without ever making a request wait).
 */
export function accessLogWitnessesSetting(url: string, name = "witness.test"): string {
  const { x } = ed25519Jwk();
  const key = noteKeyFromJwk(name, { kty: "OKP", crv: "Ed25519", x }, 0x04);
  return JSON.stringify([{ name, url, vkey: verifierKeyString(key) }]);
}

/**
 * What production requires of the access log's tree: its origin, a key file of its own (written
 * under `dir`) and its witnesses.
 */
export function accessLogProductionSettings(dir: string, witnessUrl = "http://127.0.0.1:9"): Record<string, string> {
  const keyFile = path.join(dir, "access-log.jwk");
  writeFileSync(keyFile, JSON.stringify(ed25519Jwk()), { mode: 0o600 });
  return {
    ACCESS_LOG_ORIGIN: PRODUCTION_ACCESS_LOG_ORIGIN,
    ACCESS_LOG_SIGNING_KEY_FILE: keyFile,
    ACCESS_LOG_WITNESSES: accessLogWitnessesSetting(witnessUrl),
  };
}

/** A port free a moment ago, for a service whose URL others must know before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `script` (relative to the repository, e.g. `gateway/dist/main.js`) with exactly `env` and
 * waits for its "listening" line. `register` is called with the process before the wait, so that the
 * caller can stop it even if it never listens.
 */
export async function startServiceProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  register: (service: ServiceProcess) => void,
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [`${ROOT}${script}`], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
    }
    child.once("exit", () => resolve());
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const service: ServiceProcess = {
    name,
    url: "",
    output: () => output,
    exitCode: () => child.exitCode,
    async stop() {
      if (alive()) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => alive() && child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  register(service);
  service.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${output}`)), 60_000);
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n").slice(0, -1)) {
        const logged = parseLine(line);
        if (logged?.url && logged.msg?.includes("listening")) {
          clearTimeout(timer);
          resolve(logged.url.replace(/\/graphql$/, ""));
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${output}`));
    });
  });
  return service;
}

function parseLine(line: string): { url?: string; msg?: string } | undefined {
  try {
    return JSON.parse(line) as { url?: string; msg?: string };
  } catch {
    return undefined;
  }
}

export interface SeededDatabases {
  population: TestDatabase;
  socialRegistry: TestDatabase;
  healthInsurance: TestDatabase;
  directAid: TestDatabase;
  accessLog: TestDatabase;
  /** Drops every database created so far. */
  drop(): Promise<void>;
}

/**
 * A migrated PostgreSQL database per register (and the access log's), the registers' filled with
 * the first `persons` of the demo seed: each register's app is created in this process on its
 * database, outside production, seeded, and closed; the database stays for the production process.
 * Needs TEST_DATABASE_URL (production refuses the embedded database).
 */
export async function seedProductionDatabases(label: string, persons: number): Promise<SeededDatabases> {
  const created: TestDatabase[] = [];
  const drop = async () => {
    for (const database of created.splice(0).reverse()) {
      await database.drop();
    }
  };
  const create = async (suffix: string, migrations: string) => {
    const database = await createTestDatabase(`${label}_${suffix}`, migrations);
    created.push(database);
    if (!database.url) {
      throw new Error("the production test needs PostgreSQL: set TEST_DATABASE_URL");
    }
    return database;
  };
  try {
    const logger = createLogger("seed", "silent");
    // Nothing is served: keys and graph only to satisfy the apps' options.
    const { key } = await generateSigningKey();
    const tokenKeys = TokenKeyring.of([InternalTokenSigner.generate().registerKey("seed")]);
    const graph = createGraphClient({
      url: () => "http://127.0.0.1:9/graphql",
      token: async () => {
        throw new Error("seeding asks no register");
      },
    });
    const common = { dataDir: "", tokenKeys, logger, demoSeed: false };

    const population = await create("rnp", populationSubgraph.migrationsDir);
    const populationApp = await createSubgraph(populationSubgraph, { ...common, database: population.database });
    const { seedDemoIfEmpty: seedPersons } = await import("@spx/population/seed/seed-demo");
    await seedPersons(populationApp.prisma, { persons });
    await populationApp.close();

    const socialRegistry = await create("rsu", socialRegistrySubgraph.migrationsDir);
    const registryApp = await createSubgraph(socialRegistrySubgraph, {
      ...common,
      database: socialRegistry.database,
      graph,
      attestationKey: key,
    });
    const { seedDemoIfEmpty: seedHouseholds } = await import("@spx/social-registry/seed/seed-demo");
    await seedHouseholds(registryApp.prisma, registryApp.data, { persons });
    await registryApp.close();

    const healthInsurance = await create("amo", healthInsuranceSubgraph.migrationsDir);
    const insuranceApp = await createSubgraph(healthInsuranceSubgraph, {
      ...common,
      database: healthInsurance.database,
      graph,
    });
    const { seedDemoIfEmpty: seedAffiliations } = await import("@spx/health-insurance/seed/seed-demo");
    await seedAffiliations(insuranceApp.prisma, { persons });
    await insuranceApp.close();

    const directAid = await create("asd", directAidSubgraph.migrationsDir);
    const aidApp = await createSubgraph(directAidSubgraph, { ...common, database: directAid.database, graph });
    const { seedDemoIfEmpty: seedEnrolments } = await import("@spx/direct-aid/seed/seed-demo");
    await seedEnrolments(aidApp.prisma, { persons });
    await aidApp.close();

    const accessLog = await create("log", ACCESS_LOG_MIGRATIONS);
    return { population, socialRegistry, healthInsurance, directAid, accessLog, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}
