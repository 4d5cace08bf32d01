import type { ServerResponse } from "node:http";
import { type RouteHandler, sendJson } from "@spx/runtime/server";
import { cosignedNote } from "./checkpoints.js";
import type { AccessLogProofs } from "./proof-bundle.js";
import { keysDocument } from "./published-keys.js";
import { consistencyRange, parseTreeSize, TreeSizeError } from "./tree-size.js";

export const CHECKPOINT_PATH = "/access-log/checkpoint";
export const CONSISTENCY_PATH = "/access-log/consistency";
export const KEYS_PATH = "/access-log/keys";

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    // A checkpoint is the log's state now: a cache must not answer an older one for it.
    "cache-control": "no-store",
  });
  res.end(text);
}

/** Public, read-only: the answer of a route given anything but GET (or HEAD) is 405. */
function readOnly(route: (params: URLSearchParams, res: ServerResponse) => Promise<void>): RouteHandler {
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendText(res, 405, "Only GET is answered here\n");
      return;
    }
    try {
      await route(new URL(req.url ?? "/", "http://localhost").searchParams, res);
    } catch (error) {
      if (error instanceof TreeSizeError) {
        sendText(res, 400, `${error.message}\n`);
        return;
      }
      // The log's database is away (or slow past its timeouts): a state of the service, not a
      // fault of the caller or a crash, so a 503 to retry, never a 500.
      if (!res.headersSent) {
        res.setHeader("retry-after", "5");
        sendText(res, 503, "The access log cannot be read now; try again shortly\n");
        return;
      }
      throw error;
    }
  };
}

/**
 * The log's public face (no authentication, nothing about anyone): its checkpoints with their
 * cosignatures, consistency proofs between sizes, and its keys, so that witnesses, monitors and
 * citizens check what they were shown against what others were shown.
 */
export function accessLogRoutes(proofs: AccessLogProofs): Record<string, RouteHandler> {
  return {
    [CHECKPOINT_PATH]: readOnly(async (params, res) => {
      const size = params.has("size") ? parseTreeSize(params.get("size"), "size") : undefined;
      const checkpoint = size === undefined ? await proofs.checkpoints.latest() : await proofs.checkpoints.atSize(size);
      if (!checkpoint) {
        sendText(res, 404, size === undefined ? "No checkpoint signed yet\n" : `No checkpoint of size ${size}\n`);
        return;
      }
      sendText(res, 200, cosignedNote(checkpoint));
    }),
    [CONSISTENCY_PATH]: readOnly(async (params, res) => {
      const latest = await proofs.checkpoints.latest();
      const { from, to } = consistencyRange(params.get("from"), params.get("to"), latest?.size ?? 0);
      const proof = await proofs.consistency(from, to);
      sendText(res, 200, proof.map((hash) => `${Buffer.from(hash).toString("base64")}\n`).join(""));
    }),
    [KEYS_PATH]: readOnly(async (_params, res) => {
      sendJson(res, 200, keysDocument(proofs.keys));
    }),
  };
}
