import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const testsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * One process, as `npm start` runs five on a fresh DATA_DIR: waits until `at` so that all of them
 * ask for the key in the same millisecond, then prints the key id it got.
 */
const SCRIPT = `
const [file, at, kind] = process.argv.slice(1);
const { loadOrCreateSecret, loadOrCreateSigningKey } = await import("@spx/runtime/tokens");
while (Date.now() < Number(at)) {}
console.log(kind === "secret" ? loadOrCreateSecret(file) : (await loadOrCreateSigningKey(file)).kid);
`;

function keyIdOf(file: string, at: number, kind: "key" | "secret" = "key"): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", SCRIPT, file, String(at), kind],
      { cwd: testsDir },
      (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())),
    );
  });
}

describe("development keys", () => {
  it("are one key for every process that starts at the same moment, each reading it whole", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spx-dev-keys-"));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const file = path.join(dir, `attempt-${attempt}`, "gateway.jwk");
        const at = Date.now() + 1500;
        const kids = await Promise.all(Array.from({ length: 12 }, () => keyIdOf(file, at)));
        expect(new Set(kids).size).toBe(1);
        expect(kids[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // Nothing half-written is left behind for the next start to trip on.
        expect(readdirSync(path.dirname(file))).toEqual(["gateway.jwk"]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("are one secret per development client, whichever of the gateway and the register asks first", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spx-dev-secrets-"));
    try {
      const file = path.join(dir, "keys", "client-direct-aid.secret");
      const at = Date.now() + 1500;
      const secrets = await Promise.all(Array.from({ length: 12 }, () => keyIdOf(file, at, "secret")));
      expect(new Set(secrets).size).toBe(1);
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(readdirSync(path.dirname(file))).toEqual(["client-direct-aid.secret"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Calls a development-only facility directly, as code that forgot to check would, in production. */
const DIRECT_CALLS = {
  "a development key": `const { loadOrCreateSigningKey } = await import("@spx/runtime/tokens");
    await loadOrCreateSigningKey(path.join(dir, "keys", "gateway.jwk"));`,
  "a development client secret": `const { loadOrCreateSecret } = await import("@spx/runtime/tokens");
    loadOrCreateSecret(path.join(dir, "keys", "client-direct-aid.secret"));`,
  "the development key files": `const { devKeyFiles } = await import("@spx/runtime/tokens");
    devKeyFiles(dir);`,
  "the embedded database": `const { openDatabase } = await import("@spx/runtime/database");
    await openDatabase({ name: "population", dataDir: dir });`,
};

describe("development-only facilities in production", () => {
  it.each(Object.entries(DIRECT_CALLS))(
    "refuse to create %s, whoever calls them",
    async (_what, call) => {
      const dir = mkdtempSync(path.join(tmpdir(), "spx-prod-direct-"));
      try {
        const script = `import path from "node:path"; const dir = process.argv[1];
        try { ${call} console.log("created"); } catch (error) { console.log(error.name); }`;
        const output = await new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            ["--input-type=module", "-e", script, dir],
            { cwd: testsDir, env: { NODE_ENV: "production" } },
            (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())),
          );
        });
        expect(output).toBe("DevelopmentOnlyError");
        expect(readdirSync(dir)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
