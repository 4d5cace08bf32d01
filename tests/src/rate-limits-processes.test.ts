import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { accessOf, type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { DEFAULT_AUDIENCE, DEV_ISSUER, devKeyFiles, loadOrCreateSigningKey, mintToken } from "@spx/runtime/tokens";
import { freePort, type ServiceProcess, startServiceProcess } from "./testkit/production-system.js";

/*
 * Two gateway processes, each its own `gateway/dist/main.js` given REDIS_URL and the same
 * RATE_LIMIT_KEY, as two replicas behind a load balancer: a citizen's burst spread over both is
 * one budget, not one per process. (rate-limits.test.ts shares a Redis between two gateways in
 * one process; this is the wiring an operator relies on, from the settings.) The registers are
 * not started: a request the limits admit fails further on, one they refuse is a 429 either way.
 */

const CITIZEN = accessOf({ role: "CITIZEN" }).edge.rateLimits.subject;
const processes: ServiceProcess[] = [];
let dataDir = "";

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function gateway(settings: Record<string, string>): Promise<ServiceProcess> {
  // A port nothing listens on for every register: nothing of another run is reached.
  const nowhere = `http://127.0.0.1:${await freePort()}/graphql`;
  return startServiceProcess(
    "gateway",
    "gateway/dist/main.js",
    {
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      GATEWAY_PORT: String(await freePort()),
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      GATEWAY_ACCESS_LOG: "off",
      POPULATION_URL: nowhere,
      SOCIAL_REGISTRY_URL: nowhere,
      HEALTH_INSURANCE_URL: nowhere,
      DIRECT_AID_URL: nowhere,
      ...settings,
    },
    (service) => processes.push(service),
  );
}

describe("two gateway processes", () => {
  it("with REDIS_URL and one RATE_LIMIT_KEY, hold a citizen's burst to one budget", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "spx-rates-"));
    // The development issuer's key, made before either gateway starts, so that both trust it.
    const issuerKey = await loadOrCreateSigningKey(devKeyFiles(dataDir).issuer);
    // A key of this run: subjects are stored under its hashes, apart from every other run's.
    const shared = { REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_KEY: randomBytes(24).toString("base64") };
    // One after the other: the first makes the gateway's development signing key under DATA_DIR.
    const first = await gateway(shared);
    const second = await gateway(shared);
    const citizen: Caller = {
      sub: `test:citizen:${randomBytes(6).toString("hex")}`,
      role: "CITIZEN",
      idcs: "1000000001",
    };
    const token = await mintToken(
      issuerKey,
      { ...citizen, purpose: defaultPurpose(citizen) },
      {
        issuer: DEV_ISSUER,
        audience: DEFAULT_AUDIENCE,
      },
    );
    const count = CITIZEN.burst + 8;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        postGraphQL(
          `${(i % 2 === 0 ? first : second).url}/graphql`,
          { query: `{ person(idcs: "${citizen.idcs}") { idcs } }` },
          { authorization: `Bearer ${token}` },
        ),
      ),
    );
    const elapsedMs = Date.now() - started;
    const refused = answers.filter((answer) => answer.status === 429);
    // One burst, plus the per-second quota of each second begun meanwhile. Each process alone
    // would have admitted its half (under one burst each) and refused nothing. Which process
    // refuses depends on which is scheduled first, so only the total is asserted.
    const mostAdmitted = CITIZEN.burst - CITIZEN.perSecond + CITIZEN.perSecond * (Math.floor(elapsedMs / 1000) + 1);
    expect(count - refused.length).toBeLessThanOrEqual(mostAdmitted);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((answer) => answer.body.errors?.[0]?.extensions?.code === "RATE_LIMITED")).toBe(true);
    for (const service of [first, second]) {
      expect(service.output()).not.toContain("Redis unreachable");
    }
  });
});
