import { Writable } from "node:stream";
import { createLogger, type Logger } from "@spx/runtime/logging";

/** A logger at `debug` whose JSON lines are kept in memory, for tests that read the logs. */
export function capturedLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger("test", "debug", sink), lines };
}
