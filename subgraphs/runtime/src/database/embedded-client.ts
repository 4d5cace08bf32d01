import { embeddedUrl, runningEmbeddedServer, startEmbeddedServer } from "./embedded-server.js";

/** How long a process waits for another one that is starting the embedded server under the same DATA_DIR. */
const STARTING_SERVER_WAIT_MS = 30_000;

export interface EmbeddedDatabaseUrl {
  url: string;
  /** Stops the server if this process started it. */
  release(): Promise<void>;
}

/**
 * The URL of `register` on the embedded server under `dataDir`: the running one (`npm start`'s),
 * or one this process starts on a free port and keeps until released (a register run on its own,
 * `npm run audit:verify` with the system stopped). Either way the caller takes the PostgreSQL path.
 */
export async function embeddedDatabaseUrl(dataDir: string, register: string): Promise<EmbeddedDatabaseUrl> {
  const deadline = Date.now() + STARTING_SERVER_WAIT_MS;
  for (;;) {
    const running = runningEmbeddedServer(dataDir);
    if (running) {
      return { url: embeddedUrl(running.port, register), release: async () => {} };
    }
    try {
      const server = await startEmbeddedServer({ dataDir, port: 0 });
      return { url: server.urlOf(register), release: () => server.close() };
    } catch (error) {
      // Another process holds the folder and is about to write its server file.
      if (!/already open in process/.test((error as Error).message) || Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
