import path from "node:path";
import { z } from "zod";
import { parseEnv, port, readEnvOrExit } from "../config/env.js";
import { DEFAULT_EMBEDDED_DATABASE_PORT, startEmbeddedServer } from "./embedded-server.js";

/*
 * The embedded database as its own process, which `npm start` starts first: one PGlite under
 * DATA_DIR serving every register and the access log on 127.0.0.1:EMBEDDED_DATABASE_PORT. Prints
 * `embedded database listening on <port>` once it accepts connections (statements wait until PGlite
 * has opened), then `embedded database ready`; SIGINT or SIGTERM closes it.
 */
const env = readEnvOrExit(() =>
  parseEnv(
    z.object({
      DATA_DIR: z.string().default("./.data"),
      EMBEDDED_DATABASE_PORT: port(DEFAULT_EMBEDDED_DATABASE_PORT),
    }),
  ),
);

try {
  // Announced as soon as the port listens, so that the services start while PGlite opens.
  const server = await startEmbeddedServer({
    dataDir: path.resolve(env.DATA_DIR),
    port: env.EMBEDDED_DATABASE_PORT,
    onListening: (listening) => process.stdout.write(`embedded database listening on ${listening}\n`),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdout.write(`embedded database ready\n`);
} catch (error) {
  process.stderr.write(`The embedded database did not start: ${(error as Error).message}\n`);
  process.exit(1);
}
