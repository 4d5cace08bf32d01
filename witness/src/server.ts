/*
 * The witness's HTTP service: tlog-witness's add-checkpoint, what it cosigned and the alarms it
 * raised (both public: a witness's worth is that anyone can check it), and the usual health,
 * readiness and metrics routes. Plain node:http: there is no GraphQL here.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { type SqlExecutor, transientCondition } from "@spx/runtime/database";
import type { Logger } from "@spx/runtime/logging";
import { boundedCounter, boundedGauge, metricsRoute, serviceRegistry, withHttpMetrics } from "@spx/runtime/metrics";
import { readBody, sendJson } from "@spx/runtime/server";
import type { NoteSigner } from "@spx/runtime/tlog";
import { ALARM_REASONS, Alarms, alarmJson } from "./alarms.js";
import type { TrustedLog } from "./env.js";
import { fetchConsistencyProof, Poller } from "./poll.js";
import { Witness } from "./witness.js";
import { WitnessStore } from "./witness-store.js";

/** 63 proof lines and a checkpoint with a few dozen signatures fit many times over. */
const MAX_BODY_BYTES = 64 * 1024;
const TEXT = "text/plain; charset=utf-8";

export interface WitnessServiceOptions {
  sql: SqlExecutor;
  logs: readonly TrustedLog[];
  signer: NoteSigner;
  logger: Logger;
  /** 0: no polling. */
  pollIntervalMs: number;
  now?: () => number;
}

function sendText(res: ServerResponse, status: number, body: string, contentType = TEXT): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const ROUTES = ["/add-checkpoint", "/checkpoint", "/alarms", "/healthz", "/readyz", "/metrics"];

export async function createWitnessService(options: WitnessServiceOptions) {
  const { sql, logs, signer, logger } = options;
  const registry = serviceRegistry();
  const origins = logs.map((log) => log.origin);
  const store = new WitnessStore(sql);
  await store.ensure(origins);
  const sizes = new Map((await store.all()).map((state) => [state.origin, state.size]));
  boundedGauge(registry, {
    name: "witness_cosigned_size",
    help: "Size of the latest checkpoint this witness cosigned, per log origin.",
    labels: { origin: origins },
    collect: (gauge) => {
      for (const origin of origins) {
        gauge.set({ origin }, sizes.get(origin) ?? 0);
      }
    },
  });
  const alarms = new Alarms(
    sql,
    logger,
    boundedCounter(registry, {
      name: "witness_alarms_total",
      help: "Alarms raised: a forked, truncated or inconsistent log (each piece of evidence once).",
      labels: { reason: ALARM_REASONS },
    }),
  );
  const witness = new Witness({
    logs,
    signer,
    store,
    alarms,
    logger,
    proofFromLog: fetchConsistencyProof,
    onCosigned: (origin, size) => {
      sizes.set(origin, Math.max(size, sizes.get(origin) ?? 0));
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const poller = new Poller({ witness, store, alarms, logger, intervalMs: options.pollIntervalMs });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void> = {
    "/add-checkpoint": async (req, res) => {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        sendText(res, 405, "add-checkpoint takes a POST\n");
        return;
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === undefined) {
        res.setHeader("connection", "close");
        sendText(res, 413, `the body is over ${MAX_BODY_BYTES} bytes\n`);
        return;
      }
      const answer = await witness.addCheckpoint(body);
      sendText(res, answer.status, answer.body, answer.contentType);
    },
    "/checkpoint": async (_req, res, url) => {
      const origin = url.searchParams.get("origin") ?? (origins.length === 1 ? origins[0] : undefined);
      if (!origin) {
        sendText(res, 400, "which log? ?origin=<origin line>\n");
        return;
      }
      const state = witness.log(origin) ? await store.latest(origin) : undefined;
      if (!state?.note) {
        sendText(res, 404, "nothing cosigned for this origin\n");
        return;
      }
      sendText(res, 200, state.note);
    },
    "/alarms": async (_req, res, url) => {
      const origin = url.searchParams.get("origin") ?? undefined;
      // Only a log it witnesses is looked up: any other text (control bytes included) never
      // reaches the database.
      if (origin !== undefined && !witness.log(origin)) {
        sendText(res, 404, "this witness does not witness that log\n");
        return;
      }
      sendJson(res, 200, (await alarms.list({ origin })).map(alarmJson));
    },
    "/healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
    "/readyz": async (_req, res) => {
      try {
        await store.ping();
        sendJson(res, 200, { status: "ready" });
      } catch {
        sendJson(res, 503, { status: "unavailable" });
      }
    },
    "/metrics": metricsRoute(registry),
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes[url.pathname];
    if (!route) {
      sendText(res, 404, "not found\n");
      return;
    }
    Promise.resolve(route(req, res, url)).catch((error: unknown) => {
      const condition = transientCondition(error);
      if (condition && !res.headersSent) {
        // Its database busy or away: a state to retry in, not a fault (the log's client retries).
        logger.warn({ path: url.pathname, condition }, "database unavailable; answered 503");
        res.setHeader("retry-after", "2");
        sendText(res, 503, "the witness's database is busy; try again shortly\n");
        return;
      }
      // The type only: a driver's message may quote a row.
      logger.error({ path: url.pathname, type: (error as Error)?.name }, "unexpected error serving a request");
      if (!res.headersSent) {
        sendText(res, 500, "internal error\n");
      } else {
        res.destroy();
      }
    });
  };
  return {
    handler: withHttpMetrics(handler, registry, ROUTES),
    witness,
    store,
    alarms,
    poller,
    registry,
  };
}
