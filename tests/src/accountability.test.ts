import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { AccessEntry } from "@spx/gateway/access-log/entry";
import { accessLogJwks } from "@spx/gateway/access-log/published-keys";
import { describeCheck, verifyAccessLog } from "@spx/gateway/access-log/verify-log";
import { AccessLogWriter } from "@spx/gateway/access-log/writer";
import type { Caller } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { signInternalToken, verifyAttestation } from "@spx/runtime/tokens";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { accessEntry, PERSON_360, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import { ACCESS_LOG_ORIGIN, type RunningSystem, startSystem, waitForSequenced } from "./testkit/start-system.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const cnss: Caller = { sub: "cnss:agent-17", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" };
const auditor: Caller = { sub: "cndp:auditor-2", agency: "CNDP", role: "AUDITOR", purpose: "AUDIT" };
const caseWorker = (region: string): Caller => ({
  sub: "anss:cw-4",
  agency: "ANSS",
  role: "CASE_WORKER",
  region: region as Caller["region"],
  purpose: "CASE_MANAGEMENT",
});
const citizen = (idcs: string): Caller => ({ sub: `citizen:${idcs}`, role: "CITIZEN", idcs, purpose: "SELF_SERVICE" });

const CNSS_QUERY = `query Coverage($idcs: ID!) {
  person(idcs: $idcs) { idcs firstName lastName healthCoverage { regime status } household { eligibility { program eligible } } }
}`;

const MY_DATA_ACCESS = `query Mine($first: Int, $after: String) {
  myDataAccess(first: $first, after: $after) {
    entries { at agency agencyName role purpose purposeDescription kindsOfData }
    endCursor
  }
}`;

interface MyAccess {
  myDataAccess: {
    entries: { at: string; agency: string | null; role: string; purpose: string; kindsOfData: string[] }[];
    endCursor: string | null;
  };
}

let system: RunningSystem;
let subject: ProgrammeSubject;
let sequence = 0;

/** Asks through the gateway under a request id of our own, to find the entry it made. */
async function ask<Data = Record<string, unknown>>(caller: Caller | string, query: string, variables = {}) {
  const requestId = `acct-${++sequence}-${randomUUID().slice(0, 8)}`;
  const token = typeof caller === "string" ? caller : await system.token(caller);
  const response = await system.query<Data>(token, query, variables, { "x-request-id": requestId });
  return { ...response, requestId };
}

async function entriesOf(requestId: string) {
  await waitForSequenced(system);
  return system.accessLogDb.database.sql.query<{ persons: string[]; served: string[]; purpose: string; role: string }>(
    "SELECT persons, served, purpose, role FROM access_log WHERE request_id = $1",
    [requestId],
  );
}

/** Every IDCS a response carries, wherever it sits. */
function idcsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) {
      idcsIn(item, found);
    }
  } else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if ((key === "idcs" || key === "principalIdcs") && typeof child === "string") {
        found.add(child);
      } else {
        idcsIn(child, found);
      }
    }
  }
  return found;
}

const codes = (errors: { extensions?: { code?: unknown } }[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.code);

beforeAll(async () => {
  system = await startSystem({ label: "acct", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  subject = await programmeSubject(system);
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

describe("purpose binding", () => {
  it("refuses a request that states no purpose, before reading anything", async () => {
    const token = await system.token({ sub: "cnss:x", agency: "CNSS", role: "SYSTEM" }, { withoutPurpose: true });
    await waitForSequenced(system);
    const before = await system.accessLogDb.database.sql.query<{ n: string }>("SELECT count(*) AS n FROM access_log");
    const { status, body } = await system.query(token, CNSS_QUERY, { idcs: subject.idcs });
    expect(status).toBe(403);
    expect(body.data ?? null).toBeNull();
    expect(codes(body.errors)).toEqual(["PURPOSE_REQUIRED"]);
    expect(body.errors?.[0]?.extensions?.allowed).toEqual(["AMO_ENROLMENT", "IDENTITY_CHECK"]);
    await waitForSequenced(system);
    const after = await system.accessLogDb.database.sql.query<{ n: string }>("SELECT count(*) AS n FROM access_log");
    expect(after).toEqual(before);
  });

  it("refuses a purpose the caller's grant does not allow", async () => {
    const { status, body } = await ask({ ...cnss, purpose: "ASD_PAYMENT" }, CNSS_QUERY, { idcs: subject.idcs });
    expect(status).toBe(403);
    expect(body.data ?? null).toBeNull();
    expect(codes(body.errors)).toEqual(["PURPOSE_NOT_ALLOWED"]);
  });

  it("takes the purpose from the X-Purpose header when the token carries none, never against the token", async () => {
    const bare = await system.token({ sub: "cnss:x", agency: "CNSS", role: "SYSTEM" }, { withoutPurpose: true });
    const allowed = await system.query(bare, CNSS_QUERY, { idcs: subject.idcs }, { "x-purpose": "IDENTITY_CHECK" });
    expect(allowed.body.errors).toBeUndefined();
    const contradicted = await system.query(
      await system.token(cnss),
      CNSS_QUERY,
      { idcs: subject.idcs },
      { "x-purpose": "IDENTITY_CHECK" },
    );
    expect(codes(contradicted.body.errors)).toEqual(["PURPOSE_NOT_ALLOWED"]);
  });

  it("a register refuses a gateway token that names no purpose, or one not allowed", async () => {
    const request = { query: `{ person(idcs: "${subject.idcs}") { idcs } }` };
    for (const caller of [
      { sub: "x", agency: "ANR", role: "SYSTEM" } as Caller,
      { sub: "x", agency: "ANR", role: "SYSTEM", purpose: "STATISTICS" } as Caller,
    ]) {
      const token = await signInternalToken(system.gatewayKey, "population", { caller, requestId: "p", request });
      const { body } = await postGraphQL(system.subgraphUrls.population ?? "", request, {
        authorization: `Bearer ${token}`,
      });
      expect(body.data ?? null).toBeNull();
      expect(codes(body.errors)).toEqual([caller.purpose ? "PURPOSE_NOT_ALLOWED" : "PURPOSE_REQUIRED"]);
    }
  });
});

describe("the access log", () => {
  it("records a CNSS query, and the person concerned sees it with its purpose and kinds of data", async () => {
    const asked = await ask(cnss, CNSS_QUERY, { idcs: subject.idcs });
    expect(asked.body.errors).toBeUndefined();
    const [entry] = await entriesOf(asked.requestId);
    expect(entry?.purpose).toBe("AMO_ENROLMENT");
    expect(entry?.persons).toContain(subject.idcs);
    expect(entry?.served).toEqual(expect.arrayContaining(["Person.firstName", "HealthCoverage.regime"]));

    const mine = await ask<MyAccess>(citizen(subject.idcs), MY_DATA_ACCESS, { first: 5 });
    expect(mine.body.errors).toBeUndefined();
    const newest = mine.body.data?.myDataAccess.entries[0];
    expect(newest).toMatchObject({ agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" });
    expect(newest?.kindsOfData).toEqual(
      expect.arrayContaining(["identity", "health coverage", "programme eligibility"]),
    );
    // Who, never the official: the subject of the token is not shown to the citizen.
    expect(JSON.stringify(mine.body.data)).not.toContain("agent-17");
  });

  it("pages the citizen's view newest first, and leaves out the citizen's own reads", async () => {
    for (let i = 0; i < 3; i++) {
      await ask(caseWorker(subject.region), PERSON_360, { idcs: subject.idcs });
    }
    await ask(citizen(subject.idcs), PERSON_360, { idcs: subject.idcs });
    const first = await ask<MyAccess>(citizen(subject.idcs), MY_DATA_ACCESS, { first: 2 });
    const page = first.body.data?.myDataAccess;
    expect(page?.entries.map((e) => e.role)).toEqual(["CASE_WORKER", "CASE_WORKER"]);
    expect(page?.endCursor).toBeTruthy();
    const second = await ask<MyAccess>(citizen(subject.idcs), MY_DATA_ACCESS, { first: 2, after: page?.endCursor });
    const next = second.body.data?.myDataAccess.entries ?? [];
    expect(next[0]?.role).toBe("CASE_WORKER");
    const times = [...(page?.entries ?? []), ...next].map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect([...(page?.entries ?? []), ...next].some((e) => e.role === "CITIZEN")).toBe(false);
  });

  it("covers every person whose data any response carries", async () => {
    const [other] = await system.populationDb.database.sql.query<{ idcs: string }>(
      "SELECT idcs FROM person WHERE region_code = $1 AND idcs <> $2 LIMIT 1",
      [subject.region, subject.idcs],
    );
    const [order] = await system.directAidDb.database.sql.query<{ month: string; institution: string }>(
      "SELECT month, institution FROM payment_order ORDER BY month DESC LIMIT 1",
    );
    const asks: [Caller, string, Record<string, unknown>][] = [
      [caseWorker(subject.region), PERSON_360, { idcs: subject.idcs }],
      [cnss, CNSS_QUERY, { idcs: subject.idcs }],
      [
        caseWorker(subject.region),
        "query($h: ID!) { household(id: $h) { members { person { idcs firstName } } directAid { status } } }",
        { h: subject.householdId },
      ],
      [
        { sub: "bank", agency: order?.institution as Caller["agency"], role: "SYSTEM", purpose: "ASD_PAYMENT" },
        "query($m: String!) { paymentOrders(month: $m, first: 20) { amount beneficiary { idcs lastName cin } } }",
        { m: order?.month },
      ],
      [caseWorker(subject.region), "{ persons(first: 5) { edges { node { idcs lastName } } } }", {}],
      [
        { sub: "anr", agency: "ANR", role: "SYSTEM", purpose: "IDENTITY_CHECK" },
        'query($i: ID!) { verifyIdentity(idcs: $i, claims: { lastName: "Nobody" }) { matched } }',
        { i: other?.idcs },
      ],
      [citizen(subject.idcs), PERSON_360, { idcs: subject.idcs }],
    ];
    for (const [caller, query, variables] of asks) {
      const { body, requestId } = await ask(caller, query, variables);
      // A citizen is refused the other members' identity; everything else is served.
      expect(codes(body.errors).filter((code) => code !== "FORBIDDEN")).toEqual([]);
      const carried = idcsIn(body.data);
      if (query.includes("verifyIdentity")) {
        carried.add(String(variables.i));
      }
      expect(carried.size).toBeGreaterThan(0);
      const entries = await entriesOf(requestId);
      expect(entries).toHaveLength(1);
      const logged = new Set(entries[0]?.persons);
      expect([...carried].filter((idcs) => !logged.has(idcs))).toEqual([]);
    }
  });

  it("writes nothing for a request that serves no personal data", async () => {
    const { body, requestId } = await ask(
      { sub: "msps", agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" },
      "{ populationStatistics(by: [REGION]) { count } }",
    );
    expect(body.errors).toBeUndefined();
    expect(await entriesOf(requestId)).toEqual([]);
  });

  it("lets auditors search it by agency, purpose and period, and logs their reading too", async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const { body, requestId } = await ask<{
      accessLog: { entries: { agency: string; purpose: string; served: string[]; persons: string[]; hash: string }[] };
    }>(
      auditor,
      `query($from: DateTime) { accessLog(agency: "CNSS", purpose: "AMO_ENROLMENT", from: $from, first: 10) {
        entries { agency purpose served persons hash previousHash } endCursor } }`,
      { from },
    );
    expect(body.errors).toBeUndefined();
    const entries = body.data?.accessLog.entries ?? [];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.agency === "CNSS" && e.purpose === "AMO_ENROLMENT")).toBe(true);
    expect(entries.some((e) => e.persons.includes(subject.idcs))).toBe(true);
    const [own] = await entriesOf(requestId);
    expect(own).toMatchObject({ role: "AUDITOR", purpose: "AUDIT" });
    expect(own?.persons).toContain(subject.idcs);
    // Auditors see the log, not the registers.
    const person = await ask(auditor, CNSS_QUERY, { idcs: subject.idcs });
    expect(codes(person.body.errors)).toContain("FORBIDDEN");
  });

  it("fails closed: when the entry cannot be written, the data is not served", async () => {
    const sql = system.accessLogDb.database.sql;
    await sql.query("ALTER TABLE access_log RENAME TO access_log_away");
    try {
      const { body } = await ask(cnss, CNSS_QUERY, { idcs: subject.idcs });
      expect(body.data ?? null).toBeNull();
      expect(codes(body.errors)).toEqual(["ACCESS_LOG_UNAVAILABLE"]);
      expect(JSON.stringify(body)).not.toContain(subject.idcs);
    } finally {
      await sql.query("ALTER TABLE access_log_away RENAME TO access_log");
    }
    const again = await ask(cnss, CNSS_QUERY, { idcs: subject.idcs });
    expect(again.body.errors).toBeUndefined();
  });

  it("never writes an entry twice when a batch is retried, and batches concurrent requests", async () => {
    const store = system.accessLog;
    if (!store) {
      throw new Error("the test system keeps an access log");
    }
    const entry = (): AccessEntry =>
      accessEntry({
        requestId: `retry-${randomUUID()}`,
        agency: "CNSS",
        subject: "cnss:retry",
        purpose: "AMO_ENROLMENT",
        persons: [subject.idcs],
      });
    const once = entry();
    expect(await store.append([once])).toBe(1);
    // The commit went through but its answer was lost: the retry must not log it again.
    expect(await store.append([once, once])).toBe(0);
    await waitForSequenced(system);
    expect(await store.append([once])).toBe(0);
    await waitForSequenced(system);
    const rows = await system.accessLogDb.database.sql.query("SELECT seq FROM access_log WHERE id = $1", [once.id]);
    expect(rows).toHaveLength(1);

    let transactions = 0;
    const writer = new AccessLogWriter({
      append: (entries) => {
        transactions += 1;
        return store.append(entries);
      },
    });
    const many = Array.from({ length: 40 }, entry);
    await Promise.all(many.map((e) => writer.record(e)));
    expect(transactions).toBeLessThan(many.length);
    await waitForSequenced(system);
    const written = await system.accessLogDb.database.sql.query(
      "SELECT id FROM access_log WHERE id = ANY($1::uuid[])",
      [many.map((e) => e.id)],
    );
    expect(written).toHaveLength(many.length);
    expect((await store.verify()).broken).toBeUndefined();
  });
});

describe("tamper evidence", () => {
  /**
   * The command a CNDP operator runs, with the log key as published (no witness here: the tamper
   * tests in access-log-tamper.test.ts have one); on the in-memory database (no URL) the same
   * check in process.
   */
  const verifyCli = async (): Promise<{ code: number; stdout: string }> => {
    await waitForSequenced(system);
    const url = system.accessLogDb.url;
    if (!url) {
      const check = await verifyAccessLog({
        sql: system.accessLogDb.database.sql,
        keys: { log: system.accessLogKey, witnesses: [] },
      });
      const report = describeCheck(check, 0);
      return { code: report.exitCode, stdout: report.text };
    }
    const keys = accessLogJwks({ origin: ACCESS_LOG_ORIGIN, log: system.accessLogKey, witnesses: [] });
    const dir = mkdtempSync(path.join(tmpdir(), "spx-log-jwks-"));
    writeFileSync(path.join(dir, "jwks.json"), JSON.stringify({ keys }));
    const cli = path.join(ROOT, "gateway/dist/cli/audit-verify.js");
    return run(process.execPath, [cli, "--keys", path.join(dir, "jwks.json"), "--offline"], {
      env: { ACCESS_LOG_DATABASE_URL: url, LOG_LEVEL: "silent", DATA_DIR: dir },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
  };

  it("refuses updates and deletes in the database itself", async () => {
    const sql = system.accessLogDb.database.sql;
    // The sequencer's rounds hold locks on the table for a moment: a TRUNCATE waits for them
    // (longer than the 1 s lock timeout on a loaded machine) before the trigger refuses it.
    const attempt = (statement: string) =>
      sql.transaction(
        async (tx) => {
          await tx.exec("SET LOCAL lock_timeout = '20s'; SET LOCAL statement_timeout = '20s'");
          await tx.query(statement);
        },
        { queryTimeoutMs: 25_000 },
      );
    await expect(attempt("UPDATE access_log SET purpose = 'AUDIT' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(attempt("DELETE FROM access_log WHERE seq = 1")).rejects.toThrow(/append-only/);
    // The tree's leaves refer to the entries: PostgreSQL refuses the TRUNCATE before the trigger can.
    await expect(attempt("TRUNCATE access_log")).rejects.toThrow(/append-only|referenced in a foreign key/);
    await expect(attempt("TRUNCATE access_log CASCADE")).rejects.toThrow(/append-only/);
  });

  it("audit:verify passes on the log, then names an entry altered behind the database's back", async () => {
    const intact = await verifyCli();
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/access log intact: \d+ entries/);

    const sql = system.accessLogDb.database.sql;
    const [victim] = await sql.query<{ seq: string }>("SELECT seq FROM access_log ORDER BY seq LIMIT 1 OFFSET 2");
    // As a database superuser could: switch the append-only triggers off for one session.
    await sql.withSession(async (session) => {
      await session.exec("SET session_replication_role = replica");
      try {
        await session.query("UPDATE access_log SET purpose = 'STATISTICS' WHERE seq = $1", [victim?.seq]);
      } finally {
        await session.exec("SET session_replication_role = origin");
      }
    });
    const broken = await verifyCli();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at entry #${victim?.seq}`);
    expect(broken.stdout).toMatch(new RegExp(`changed: entry #${victim?.seq} .*was changed after it was written`));
  });
});

describe("eligibility attestations", () => {
  it("give CNSS a signed yes/no that verifies offline with the published JWKS, and a tampered one fails", async () => {
    const { body } = await ask<{ eligibilityAttestation: { jws: string; eligible: boolean } }>(
      cnss,
      `query($i: ID!) { eligibilityAttestation(idcs: $i, program: AMO_TADAMON) { jws eligible } }`,
      { i: subject.idcs },
    );
    expect(body.errors).toBeUndefined();
    const jws = body.data?.eligibilityAttestation.jws ?? "";
    const jwks = (await (await fetch(`${system.gatewayUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const claims = await verifyAttestation(jws, createLocalJWKSet(jwks));
    expect(claims).toMatchObject({
      sub: subject.idcs,
      program: "AMO_TADAMON",
      eligible: body.data?.eligibilityAttestation.eligible,
    });
    expect(JSON.stringify(claims)).not.toMatch(/score|threshold/i);

    const [header, payload, signature] = jws.split(".");
    const forged = Buffer.from(payload ?? "", "base64url")
      .toString()
      .replace(/"eligible":(true|false)/, (_m, v) => `"eligible":${v === "true" ? "false" : "true"}`);
    const tampered = `${header}.${Buffer.from(forged).toString("base64url")}.${signature}`;
    await expect(verifyAttestation(tampered, createLocalJWKSet(jwks))).rejects.toThrow();

    // The command-line verifier, offline, from a saved copy of the JWKS.
    const dir = mkdtempSync(path.join(tmpdir(), "spx-jwks-"));
    const file = path.join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify(jwks));
    const cli = path.join(ROOT, "gateway/dist/cli/attestation-verify.js");
    const good = await run(process.execPath, [cli, jws, "--jwks", file]);
    expect(JSON.parse(good.stdout)).toMatchObject({ idcs: subject.idcs, program: "AMO_TADAMON" });
    await expect(run(process.execPath, [cli, tampered, "--jwks", file])).rejects.toMatchObject({ code: 1 });
  });
});
