import { type ChildProcess, spawn } from "node:child_process";

/**
 * A test fixture's script as its own process (so that a test can SIGKILL it), with PATH and the
 * given settings only; resolves once it prints `{"ready":true}`, rejects with its last output if
 * it exits before.
 */
export function startReadyProcess(script: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], {
    // biome-ignore lint/style/noProcessEnv: the child needs PATH and nothing else of this run
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"ready":true')) {
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready: ${stderr}`)));
  });
}

/** Resolves when the process has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()),
  );
