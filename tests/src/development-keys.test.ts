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
const [file, at] = process.argv.slice(1);
const { loadOrCreateSigningKey } = await import("@spx/runtime/keys");
while (Date.now() < Number(at)) {}
console.log((await loadOrCreateSigningKey(file)).kid);
`;

function keyIdOf(file: string, at: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", SCRIPT, file, String(at)],
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
});
