import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Exit {
  code: number | null;
  output: string;
  /** What DATA_DIR holds afterwards: production must leave it untouched. */
  dataDirEntries: string[];
}

/** Runs a service's built `dist/main.js` as an operator would, with only `env`, on a fresh DATA_DIR. */
export function runToExit(script: string, env: Record<string, string>, args: string[] = []): Promise<Exit> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-prod-"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { NODE_ENV: "production", DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not exit within 30 s: ${output}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const dataDirEntries = readdirSync(dataDir, { recursive: true }).map(String);
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, output, dataDirEntries });
    });
  });
}
