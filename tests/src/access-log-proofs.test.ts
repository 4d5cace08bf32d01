import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CheckpointStore, cosignedNote, type StoredCheckpoint } from "@spx/gateway/access-log/checkpoints";
import { AccessLogProofs } from "@spx/gateway/access-log/proof-bundle";
import type { Sequencer } from "@spx/gateway/access-log/sequencer";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { proveCommand } from "@spx/gateway/cli/audit-prove";
import type { Caller } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import {
  formatProofBundle,
  openCheckpoint,
  parseCheckpoint,
  parseProofBundle,
  verifyConsistency,
} from "@spx/runtime/tlog";
import { TEST_WITNESS, TestWitnessedLog, tempFile } from "./testkit/access-log-keys.js";
import { accessEntry, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import {
  ACCESS_LOG_ORIGIN,
  type AnotherGateway,
  type RunningSystem,
  startAnotherGateway,
  startSystem,
} from "./testkit/start-system.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AUDIT_PROVE = path.join(ROOT, "gateway/dist/cli/audit-prove.js");

const cnss: Caller = { sub: "cnss:agent-17", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" };
const auditor: Caller = { sub: "cndp:auditor-2", agency: "CNDP", role: "AUDITOR", purpose: "AUDIT" };
const citizen = (idcs: string): Caller => ({ sub: `citizen:${idcs}`, role: "CITIZEN", idcs, purpose: "SELF_SERVICE" });

const MINE = `query Mine { myDataAccess(first: 20) {
  entries { agency purpose leafIndex proof { leafIndex treeSize witnessed bundle } } } }`;

interface Proof {
  leafIndex: string;
  treeSize: string;
  witnessed: boolean;
  bundle: string;
}
interface Mine {
  myDataAccess: {
    entries: { agency: string | null; purpose: string; leafIndex: string | null; proof: Proof | null }[];
  };
}

let system: RunningSystem;
let gateway: AnotherGateway;
let subject: ProgrammeSubject;
let sequencer: Sequencer;
let checkpoints: CheckpointStore;
/** The system's log key, and a witness of the test's own. */
let witnessed: TestWitnessedLog;
/** A person whose data was read together with the subject's, by an official whose name is a secret here. */
const OTHER = "7000000001";
const SECRET_SUBJECT = `cnss:agent-${randomUUID()}`;
let jwksFile: string;

async function ask<Data>(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
  const token = await system.token(caller);
  return postGraphQL<Data>(`${gateway.url}/graphql`, { query, variables }, { authorization: `Bearer ${token}` });
}

/** Sequences what is pending, signs a checkpoint and has the test witness cosign it. */
async function checkpointNow(): Promise<StoredCheckpoint> {
  const checkpoint = await sequencer.flush();
  if (!checkpoint) {
    throw new Error("no checkpoint signed");
  }
  await witnessed.cosign(checkpoints, checkpoint);
  return checkpoint;
}

const prove = (bundle: string, ...args: string[]) =>
  proveCommand(["--bundle", tempFile("entry.tlog-proof", bundle), "--keys", jwksFile, ...args], {
    defaultKeysUrl: () => `${gateway.url}/.well-known/jwks.json`,
    readStdin: async () => "",
  });

const extraOf = (bundle: string) =>
  JSON.parse(new TextDecoder().decode(parseProofBundle(bundle).extra)) as Record<string, string>;

function withExtra(bundle: string, change: (extra: Record<string, string>) => void): string {
  const parsed = parseProofBundle(bundle);
  const extra = extraOf(bundle);
  change(extra);
  return formatProofBundle({ ...parsed, extra: new TextEncoder().encode(JSON.stringify(extra)) });
}

beforeAll(async () => {
  system = await startSystem({ label: "proofs", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  subject = await programmeSubject(system);
  const sql = system.accessLogDb.database.sql;
  checkpoints = new CheckpointStore(sql);
  witnessed = new TestWitnessedLog(system.accessLogSigner, ACCESS_LOG_ORIGIN);
  if (!system.sequencer) {
    throw new Error("the test system sequences its access log");
  }
  sequencer = system.sequencer;
  gateway = await startAnotherGateway(system, {
    accessLog: system.accessLog,
    accessLogProofs: new AccessLogProofs(new AccessLogTree(sql), checkpoints, witnessed.keys()),
  });
  const jwks = await (await fetch(`${gateway.url}/.well-known/jwks.json`)).text();
  jwksFile = tempFile("jwks.json", jwks);
}, 180_000);
afterAll(async () => {
  await gateway?.stop();
  await system?.stop();
});

describe("a citizen's proof", () => {
  let bundles: Proof[];

  beforeAll(async () => {
    const read = await ask(cnss, "query($i: ID!) { person(idcs: $i) { firstName healthCoverage { regime } } }", {
      i: subject.idcs,
    });
    expect(read.body.errors).toBeUndefined();
    await system.accessLog?.append([
      accessEntry({
        agency: "CNSS",
        subject: SECRET_SUBJECT,
        purpose: "AMO_ENROLMENT",
        persons: [subject.idcs, OTHER],
      }),
    ]);
    // Written, not yet in any checkpoint: listed without a proof.
    const pending = await ask<Mine>(citizen(subject.idcs), MINE);
    expect(pending.body.errors).toBeUndefined();
    expect(pending.body.data?.myDataAccess.entries.some((e) => e.proof === null && e.leafIndex === null)).toBe(true);
    await checkpointNow();
    const mine = await ask<Mine>(citizen(subject.idcs), MINE);
    expect(mine.body.errors).toBeUndefined();
    const entries = mine.body.data?.myDataAccess.entries ?? [];
    expect(entries.length).toBeGreaterThanOrEqual(2);
    bundles = entries.map((e) => e.proof).filter((p): p is Proof => p !== null);
    expect(bundles).toHaveLength(entries.length);
  }, 60_000);

  it("verifies offline with audit:prove and the saved JWKS, and says what the entry is", async () => {
    const [proof] = bundles;
    expect(proof?.witnessed).toBe(true);
    const { stdout } = await run(process.execPath, [
      AUDIT_PROVE,
      "--bundle",
      tempFile("entry.tlog-proof", proof?.bundle ?? ""),
      "--keys",
      jwksFile,
      "--witness",
      TEST_WITNESS,
    ]);
    expect(stdout).toContain(
      `proof verified: the access log ${ACCESS_LOG_ORIGIN} holds this entry at index ${proof?.leafIndex}`,
    );
    expect(stdout).toContain(`cosigned by ${TEST_WITNESS} at`);
    expect(stdout).toContain(`among them ${subject.idcs}`);
    expect(stdout).toMatch(/CNSS SYSTEM, purpose AMO_ENROLMENT/);
  });

  it("takes the bundle on standard input and the keys from the running gateway by default", async () => {
    const child = execFile(process.execPath, [AUDIT_PROVE, "--bundle", "-"], {
      env: { GATEWAY_PORT: new URL(gateway.url).port, DATA_DIR: tmpdir() },
    });
    child.stdin?.end(bundles[0]?.bundle);
    const [code, stdout] = await new Promise<[number | null, string]>((resolve) => {
      let out = "";
      child.stdout?.on("data", (chunk) => {
        out += chunk;
      });
      child.on("close", (exit) => resolve([exit, out]));
    });
    expect(stdout).toContain("proof verified");
    expect(code).toBe(0);
  });

  it("fails after any change of the entry, the proof or the checkpoint", async () => {
    const bundle = bundles.find((b) => Number(b.leafIndex) > 0 && Number(b.treeSize) > 2)?.bundle ?? "";
    expect((await prove(bundle)).exitCode).toBe(0);
    // The entry: what it says about the read.
    const leafChanged = withExtra(bundle, (extra) => {
      const leaf = Buffer.from(extra.leaf ?? "", "base64")
        .toString("utf8")
        .replace("AMO_ENROLMENT", "STATISTICS");
      extra.leaf = Buffer.from(leaf).toString("base64");
    });
    expect(await prove(leafChanged)).toMatchObject({ exitCode: 1 });
    // The entry passed off as another person's: the person's salt opens the subject only.
    expect(
      await prove(
        withExtra(bundle, (extra) => {
          extra.idcs = OTHER;
        }),
      ),
    ).toMatchObject({ exitCode: 1 });
    const parsed = parseProofBundle(bundle);
    // The proof: one hash, or the index.
    const hash = new Uint8Array(parsed.proof[0] ?? new Uint8Array(32));
    hash[0] = (hash[0] ?? 0) ^ 1;
    expect(await prove(formatProofBundle({ ...parsed, proof: [hash, ...parsed.proof.slice(1)] }))).toMatchObject({
      exitCode: 1,
    });
    expect(await prove(formatProofBundle({ ...parsed, index: parsed.index + 1 }))).toMatchObject({ exitCode: 1 });
    // The checkpoint: its root, or its size.
    const [origin, size, root, ...rest] = parsed.checkpoint.split("\n");
    const otherRoot = Buffer.alloc(32, 7).toString("base64");
    for (const checkpoint of [
      [origin, size, otherRoot, ...rest].join("\n"),
      [origin, String(Number(size) + 1), root, ...rest].join("\n"),
    ]) {
      const result = await prove(formatProofBundle({ ...parsed, checkpoint }));
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^proof refused: /);
    }
    // Not an access-log bundle at all: unusable.
    expect(
      await prove(formatProofBundle({ index: parsed.index, proof: parsed.proof, checkpoint: parsed.checkpoint })),
    ).toMatchObject({
      exitCode: 2,
    });
    expect(await prove("not a bundle\n")).toMatchObject({ exitCode: 2 });
  });

  it("holds the citizen's own opening only: no other person's IDCS, no entry salt, no official", async () => {
    const shared = bundles.find((b) => {
      const leaf = JSON.parse(Buffer.from(extraOf(b.bundle).leaf ?? "", "base64").toString("utf8")) as unknown[];
      return (leaf[11] as string[]).length === 2;
    });
    expect(shared).toBeDefined();
    const bundle = shared?.bundle ?? "";
    const extra = extraOf(bundle);
    expect(Object.keys(extra).sort()).toEqual(["idcs", "leaf", "personSalt"]);
    expect(extra.idcs).toBe(subject.idcs);
    const [salt] = await system.accessLogDb.database.sql.query<{ salt: string }>(
      "SELECT encode(salt, 'hex') AS salt FROM access_log_leaf WHERE seq = $1",
      [Number(shared?.leafIndex) + 1],
    );
    const everything = `${bundle}\n${Buffer.from(extra.leaf ?? "", "base64").toString("utf8")}`;
    expect(everything).not.toContain(OTHER);
    expect(everything).not.toContain(SECRET_SUBJECT);
    expect(salt?.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(everything).not.toContain(salt?.salt);
  });

  it("is given to the person concerned only", async () => {
    // The other person gets their own opening of the shared entry, not the subject's.
    const theirs = await ask<Mine>(citizen(OTHER), MINE);
    const [entry] = theirs.body.data?.myDataAccess.entries ?? [];
    expect(theirs.body.data?.myDataAccess.entries).toHaveLength(1);
    expect(extraOf(entry?.proof?.bundle ?? "").idcs).toBe(OTHER);
    // A citizen cannot reach the auditors' entries (and their salts) at all.
    const searched = await ask<{ accessLog: unknown }>(
      citizen(OTHER),
      "{ accessLog(first: 5) { entries { persons proof { bundle } } } }",
    );
    expect(searched.body.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
    expect(JSON.stringify(searched.body.data ?? null)).not.toContain("tlog-proof");
  });
});

describe("an auditor's proof", () => {
  it("carries the entry's salt, with which the auditor checks the persons they know", async () => {
    await ask(cnss, "query($i: ID!) { person(idcs: $i) { firstName } }", { i: subject.idcs });
    await checkpointNow();
    const { body } = await ask<{
      accessLog: { entries: { persons: string[]; leafIndex: string | null; proof: Proof | null }[] };
    }>(
      auditor,
      `{ accessLog(agency: "CNSS", first: 5) { entries { persons leafIndex proof { leafIndex treeSize witnessed bundle } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const entry = body.data?.accessLog.entries.find((e) => e.proof && e.persons.includes(subject.idcs));
    expect(entry?.proof?.witnessed).toBe(true);
    const bundle = entry?.proof?.bundle ?? "";
    expect(Object.keys(extraOf(bundle)).sort()).toEqual(["leaf", "salt"]);
    expect(await prove(bundle, "--person", subject.idcs)).toMatchObject({ exitCode: 0 });
    expect(await prove(bundle, "--person", "1999999999")).toMatchObject({ exitCode: 1 });
  });
});

describe("the log's public routes and checkpoints in the graph", () => {
  let first: StoredCheckpoint;
  let second: StoredCheckpoint;
  beforeAll(async () => {
    await ask(cnss, "query($i: ID!) { person(idcs: $i) { firstName } }", { i: subject.idcs });
    first = await checkpointNow();
    await system.accessLog?.append([accessEntry({ persons: [OTHER] }), accessEntry({ persons: [OTHER] })]);
    await ask(cnss, "query($i: ID!) { person(idcs: $i) { lastName } }", { i: subject.idcs });
    second = await checkpointNow();
  }, 60_000);

  const get = (pathAndQuery: string) => fetch(`${gateway.url}${pathAndQuery}`);

  it("serve the latest checkpoint with its cosignatures, or one of a given size", async () => {
    const latest = await get("/access-log/checkpoint");
    expect(latest.status).toBe(200);
    expect(latest.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const note = await latest.text();
    const opened = openCheckpoint(note, witnessed.keys().log, [
      witnessed.keys().witnesses[0]?.key ?? witnessed.witness,
    ]);
    expect(opened.checkpoint.size).toBe(second.size);
    expect(opened.cosignedBy.map((c) => c.name)).toEqual([TEST_WITNESS]);
    const earlier = await get(`/access-log/checkpoint?size=${first.size}`);
    expect(parseCheckpoint((await earlier.text()).split("\n\n")[0] + "\n").size).toBe(first.size);
    expect((await get("/access-log/checkpoint?size=999999")).status).toBe(404);
    for (const bad of ["abc", "-1", "01", "9007199254740993", "1e3", ""]) {
      const response = await get(`/access-log/checkpoint?size=${encodeURIComponent(bad)}`);
      expect(response.status).toBe(400);
    }
  });

  it("serve consistency proofs that verify between the two checkpoints, and refuse bad ranges", async () => {
    const response = await get(`/access-log/consistency?from=${first.size}&to=${second.size}`);
    expect(response.status).toBe(200);
    const proof = (await response.text())
      .split("\n")
      .filter(Boolean)
      .map((line) => new Uint8Array(Buffer.from(line, "base64")));
    expect(proof.length).toBeGreaterThan(0);
    expect(() => verifyConsistency(first.size, second.size, first.root, second.root, proof)).not.toThrow();
    for (const query of [
      `from=${second.size}&to=${first.size}`,
      `from=0&to=${second.size + 1}`,
      "from=1",
      "from=x&to=2",
      "from=1&to=9007199254740993",
    ]) {
      const bad = await get(`/access-log/consistency?${query}`);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/from|to/);
    }
    expect((await get("/access-log/consistency?from=0&to=1")).status).toBe(200);
    expect((await fetch(`${gateway.url}/access-log/consistency?from=1&to=2`, { method: "POST" })).status).toBe(405);
  });

  it("give a proof against a checkpoint the reader kept, and refuse a size the log never signed", async () => {
    const query = `query($size: String) { myDataAccess(first: 20) { entries { leafIndex proof(checkpointSize: $size) { treeSize witnessed bundle } } } }`;
    const kept = await ask<{
      myDataAccess: {
        entries: { leafIndex: string | null; proof: { treeSize: string; witnessed: boolean; bundle: string } | null }[];
      };
    }>(citizen(subject.idcs), query, { size: String(first.size) });
    expect(kept.body.errors).toBeUndefined();
    const entries = kept.body.data?.myDataAccess.entries ?? [];
    const inFirst = entries.filter((e) => e.leafIndex !== null && Number(e.leafIndex) < first.size);
    const after = entries.filter((e) => e.leafIndex !== null && Number(e.leafIndex) >= first.size);
    expect(inFirst.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    for (const entry of inFirst) {
      expect(entry.proof).toMatchObject({ treeSize: String(first.size), witnessed: true });
      expect(parseProofBundle(entry.proof?.bundle ?? "").checkpoint).toBe(
        cosignedNote((await checkpoints.atSize(first.size))!),
      );
      expect(await prove(entry.proof?.bundle ?? "")).toMatchObject({ exitCode: 0 });
    }
    // Entries after that checkpoint are in no tree of its size.
    expect(after.every((e) => e.proof === null)).toBe(true);
    for (const size of [String(second.size + 1000), "01", "-1", "9007199254740993"]) {
      const refused = await ask(citizen(subject.idcs), query, { size });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("answer 503 to retry, never a 500, while the log's checkpoints cannot be read", async () => {
    const sql = system.accessLogDb.database.sql;
    // The sequencer's rounds read the table: the rename waits for the one running.
    const rename = (from: string, to: string) =>
      sql.transaction(
        async (tx) => {
          await tx.exec(`SET LOCAL lock_timeout = '20s'; SET LOCAL statement_timeout = '20s'`);
          await tx.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
        },
        { queryTimeoutMs: 25_000 },
      );
    await rename("access_log_checkpoint", "access_log_checkpoint_away");
    try {
      for (const path of ["/access-log/checkpoint", `/access-log/consistency?from=0&to=1`]) {
        const response = await get(path);
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("5");
        expect(await response.text()).not.toMatch(/relation|access_log_checkpoint|at .*\.js/);
      }
    } finally {
      await rename("access_log_checkpoint_away", "access_log_checkpoint");
    }
    expect((await get("/access-log/checkpoint")).status).toBe(200);
  });

  it("publish the log and witness keys, in /access-log/keys and in the JWKS", async () => {
    const keys = (await (await get("/access-log/keys")).json()) as {
      origin: string;
      log: { name: string; vkey: string };
      witnesses: { name: string; vkey: string }[];
    };
    expect(keys.origin).toBe(ACCESS_LOG_ORIGIN);
    expect(keys.log.name).toBe(ACCESS_LOG_ORIGIN);
    expect(keys.witnesses.map((w) => w.name)).toEqual([TEST_WITNESS]);
    const jwks = (await (await get("/.well-known/jwks.json")).json()) as { keys: Record<string, string>[] };
    const log = jwks.keys.find((k) => k.use === "access-log");
    expect(log).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: ACCESS_LOG_ORIGIN, vkey: keys.log.vkey });
    expect(jwks.keys.find((k) => k.use === "witness")).toMatchObject({
      kid: TEST_WITNESS,
      vkey: keys.witnesses[0]?.vkey,
    });
  });

  it("answer accessLogCheckpoint and accessLogConsistency to citizens and auditors, with bounded arguments", async () => {
    const query = `query($from: String!, $to: String!) {
      accessLogCheckpoint { size rootHash note witnessedBy }
      accessLogConsistency(from: $from, to: $to) }`;
    for (const caller of [citizen(subject.idcs), auditor]) {
      const { body } = await ask<{
        accessLogCheckpoint: { size: string; rootHash: string; note: string; witnessedBy: string[] };
        accessLogConsistency: string[];
      }>(caller, query, { from: String(first.size), to: String(second.size) });
      expect(body.errors).toBeUndefined();
      expect(body.data?.accessLogCheckpoint).toMatchObject({
        size: String(second.size),
        rootHash: Buffer.from(second.root).toString("base64"),
        witnessedBy: [TEST_WITNESS],
      });
      expect(body.data?.accessLogCheckpoint.note).toBe(cosignedNote((await checkpoints.atSize(second.size)) ?? second));
      const proof = (body.data?.accessLogConsistency ?? []).map((h) => new Uint8Array(Buffer.from(h, "base64")));
      expect(() => verifyConsistency(first.size, second.size, first.root, second.root, proof)).not.toThrow();
    }
    for (const [from, to] of [
      ["2", "1"],
      ["0", String(second.size + 1)],
      ["01", "2"],
      ["1", "99999999999999999999"],
    ]) {
      const { status, body } = await ask(auditor, query, { from, to });
      expect(status).toBeLessThan(500);
      expect(body.errors?.map((e) => e.extensions?.code)).toContain("BAD_USER_INPUT");
    }
    const refused = await ask(cnss, "{ accessLogCheckpoint { size } }");
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
  });
});
