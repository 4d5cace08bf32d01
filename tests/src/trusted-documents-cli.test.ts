import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/* `npm run documents -- list|add|check`, run as CI runs it, on manifests in a scratch folder. */

const CLI = fileURLToPath(new URL("../../gateway/dist/cli/trusted-documents.js", import.meta.url));
const run = promisify(execFile);

async function documents(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const QUERY = "query Coverage($idcs: ID!) { person(idcs: $idcs) { idcs healthCoverage { regime } } }";
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-documents-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function manifest(operations: unknown[]) {
  return JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations });
}

describe("npm run documents", () => {
  it("passes the committed manifests", async () => {
    const { code, stdout } = await documents("check");
    expect(code).toBe(0);
    expect(stdout).toMatch(/all valid/);
  });

  it("adds an operation with its id computed, lists it, and checks it", async () => {
    const file = path.join(dir, "coverage.graphql");
    writeFileSync(file, `${QUERY}\n`);
    const added = await documents("add", "CNSS", file, "--dir", dir);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`sha256:${sha(QUERY)}`);
    const written = JSON.parse(readFileSync(path.join(dir, "CNSS.json"), "utf8"));
    expect(written.operations).toEqual([{ id: sha(QUERY), name: "Coverage", type: "query", body: QUERY }]);
    expect((await documents("list", "CNSS", "--dir", dir)).stdout).toContain(`sha256:${sha(QUERY)}  query Coverage`);
    expect((await documents("check", "--dir", dir)).code).toBe(0);
  });

  it("refuses to add a document that does not validate, or for an owner nobody is", async () => {
    const file = path.join(dir, "broken.graphql");
    writeFileSync(file, "query Broken { person(idcs: 1) { noSuchField } }");
    const broken = await documents("add", "CNSS", file, "--dir", dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Broken does not validate: .*noSuchField/);
    writeFileSync(file, QUERY);
    const nobody = await documents("add", "ACME", file, "--dir", dir);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/ACME is neither an agency/);
  });

  it("fails check (exit 1) on a wrong id, a body that no longer validates, or a misnamed operation, naming each", async () => {
    const stale = "query Stale { person(idcs: $idcs) { removedField } }";
    writeFileSync(
      path.join(dir, "ANR.json"),
      manifest([
        { id: "0".repeat(64), name: "Coverage", type: "query", body: QUERY },
        { id: sha(stale), name: "Stale", type: "query", body: stale },
        { id: sha(QUERY), name: "Other", type: "mutation", body: QUERY },
      ]),
    );
    writeFileSync(path.join(dir, "CNSS.json"), "{ not json");
    const { code, stderr } = await documents("check", "--dir", dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ANR\.json: operation 0 \(Coverage\): id is not the SHA-256 of its body/);
    expect(stderr).toMatch(/ANR\.json: Stale .* does not validate: .*removedField/);
    expect(stderr).toMatch(/ANR\.json: Other .* is named Coverage in its body/);
    expect(stderr).toMatch(/ANR\.json: Other .* is a query in its body, a mutation in the manifest/);
    expect(stderr).toMatch(/CNSS\.json: not JSON/);
  });

  it("answers a usage error with exit 2 and the usage", async () => {
    const { code, stderr } = await documents("publish");
    expect(code).toBe(2);
    expect(stderr).toMatch(/Usage: npm run documents/);
  });
});
