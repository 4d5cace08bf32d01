import type { Logger } from "../logging/logger.js";
import type { RunningServer } from "./http-server.js";

export interface StopOptions {
  /** The service's HTTP server, drained first. */
  server: Pick<RunningServer, "drain" | "inFlight">;
  /** How long requests in flight may take to finish (SHUTDOWN_GRACE_SECONDS). */
  graceSeconds: number;
  /** Closes what the service holds once nothing is served any more: Apollo, Prisma, database, Redis. */
  close: () => Promise<void>;
}

/** Time after the grace for closing what the service holds, before the process exits regardless. */
const CLOSE_ALLOWANCE_MS = 1_000;

/**
 * On SIGTERM or SIGINT: drains the server (readiness 503 at once, requests in flight finish within
 * the grace, then their connections are cut), closes the service and exits. It never hangs: a call
 * that outlives its connection, or a database that does not answer, would otherwise keep the
 * process (and the embedded database's lock) for as long as it waits; so the process exits a
 * second after the grace whatever is pending. The same signal a second time exits at once.
 */
export function stopOnSignals(log: Logger, { server, graceSeconds, close }: StopOptions): void {
  const received = new Set<NodeJS.Signals>();
  const onSignal = (signal: NodeJS.Signals) => {
    // Only the same signal again is an operator insisting: Ctrl-C reaches every process of the
    // terminal's group and a supervisor (npm start) passes it on as SIGTERM, in either order.
    if (received.has(signal)) {
      log.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    const first = received.size === 0;
    received.add(signal);
    if (!first) {
      return;
    }
    log.info({ signal, inFlight: server.inFlight, graceSeconds }, "draining");
    // unref: the timer alone must not keep a process alive that has nothing else left to do.
    setTimeout(
      () => {
        log.error({ afterMs: graceSeconds * 1_000 + CLOSE_ALLOWANCE_MS }, "did not stop in time: exiting");
        process.exit(1);
      },
      graceSeconds * 1_000 + CLOSE_ALLOWANCE_MS,
    ).unref();
    const started = performance.now();
    server
      .drain(graceSeconds * 1_000)
      .then(async (outcome) => {
        log.info({ ...outcome, ms: Math.round(performance.now() - started) }, "drained");
        await close();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "failed to stop cleanly");
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
