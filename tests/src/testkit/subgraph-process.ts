import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SubgraphProcess {
  pid: number;
  url: string;
  port: number;
  /** SIGSTOP: the process keeps its sockets (connections are accepted) but answers nothing. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Resumes it if paused and ends it; waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

function parseLine(line: string): { url?: string; msg?: string } | undefined {
  try {
    return JSON.parse(line) as { url?: string; msg?: string };
  } catch {
    return undefined;
  }
}

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * One subgraph as its own process (its built `dist/main.js`, as `npm start` runs it), on a free
 * port: the only way to freeze a register with SIGSTOP while the test's own process runs on.
 */
export async function startSubgraphProcess(directory: string, env: Record<string, string>): Promise<SubgraphProcess> {
  const child: ChildProcess = spawn(process.execPath, [`${ROOT}subgraphs/${directory}/dist/main.js`], {
    cwd: ROOT,
    // Only what is given: nothing of the test run's own environment leaks into the register.
    env: { NODE_ENV: "test", HOST: "127.0.0.1", LOG_LEVEL: "info", DEMO_SEED: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${directory} did not start in 60 s: ${stderr}`)), 60_000);
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n").slice(0, -1)) {
        const logged = parseLine(line);
        if (logged?.url && logged.msg?.includes("listening")) {
          clearTimeout(timer);
          resolve(logged.url);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${directory} exited (${code}) before listening: ${stderr}`));
    });
  });
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(name);
    }
  };
  return {
    pid: child.pid ?? 0,
    url,
    port: Number(new URL(url).port),
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    async stop() {
      signal("SIGCONT");
      signal("SIGTERM");
      const killer = setTimeout(() => signal("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
