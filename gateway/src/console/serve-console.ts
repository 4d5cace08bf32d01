import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@spx/runtime/logging";
import { isConsolePage } from "./console-routes.js";
import { consoleSecurityHeaders } from "./security-headers.js";
import { checkedPath, fileUnder, realDirectory, sendFile } from "./static-files.js";

/*
 * The console at `/`, beside the graph on the same origin: every path the gateway itself does not
 * answer (`/graphql`, health, metrics, keys, configuration) is the console's. Its pages get
 * index.html, `/assets/` the hashed files Vite wrote (cached for good: a new build has new names),
 * any other file of the build its own content, everything else a 404. Every answer, errors
 * included, carries the console's security headers.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServeConsoleOptions {
  /** The built console (console/dist). Read on each request, so that a rebuild needs no restart. */
  dir: string;
  /** The identity provider's origin, allowed by the policy for the sign-in (production). */
  identityOrigin?: string | undefined;
  logger: Pick<Logger, "error">;
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** Shown at `/` in development while console/dist does not exist: plain HTML, nothing loaded. */
const NOT_BUILT = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The console is not built</title></head>
<body><h1>The console is not built</h1>
<p>Build it with <code>npm run build</code> (or start everything with <code>npm start</code>), then reload
this page. The graph answers at <a href="/graphql">/graphql</a> meanwhile.</p></body></html>
`;

function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
  type = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, {
    ...headers,
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : text);
}

/** Refusals in the graph's own shape, so that a client sees one kind of error whatever the path. */
const REFUSALS = {
  400: { message: "Bad request path", code: "BAD_REQUEST" },
  404: { message: "Not found", code: "NOT_FOUND" },
  405: { message: "Only GET and HEAD are served here", code: "METHOD_NOT_ALLOWED" },
  414: { message: "Request path too long", code: "BAD_REQUEST" },
  500: { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" },
} as const;

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: keyof typeof REFUSALS,
  headers: Record<string, string>,
): void {
  const { message, code } = REFUSALS[status];
  sendText(
    req,
    res,
    status,
    JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    status === 405 ? { ...headers, allow: "GET, HEAD" } : headers,
    "application/json; charset=utf-8",
  );
}

async function serve(options: ServeConsoleOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = consoleSecurityHeaders(options.identityOrigin);
  const checked = checkedPath(req.url ?? "/");
  if ("refused" in checked) {
    refuse(req, res, checked.refused, headers);
    return;
  }
  const root = await realDirectory(options.dir);
  const page = isConsolePage(checked.path) || checked.path === "/index.html";
  const file = root ? await fileUnder(root, page ? "/index.html" : checked.path) : undefined;
  if (!file) {
    // Before the console is built, its pages say how to build it (development; production refuses to start).
    if (page && (req.method === "GET" || req.method === "HEAD")) {
      sendText(req, res, 503, NOT_BUILT, headers, "text/html; charset=utf-8");
    } else {
      refuse(req, res, 404, headers);
    }
    return;
  }
  // What exists is only read; what does not is a 404 whatever the method.
  if (req.method !== "GET" && req.method !== "HEAD") {
    refuse(req, res, 405, headers);
    return;
  }
  await sendFile(req, res, file, !page && checked.path.startsWith("/assets/") ? IMMUTABLE : REVALIDATE, headers);
}

/**
 * The gateway's handler with the console in front: `own(path)` says which paths stay the
 * gateway's. An error while serving a file ends that answer alone, logged without the path (a
 * person's page names their IDCS).
 */
export function withConsole(gateway: Handler, own: (path: string) => boolean, options: ServeConsoleOptions): Handler {
  return (req, res) => {
    const target = req.url ?? "/";
    const end = target.search(/[?#]/);
    if (own(end < 0 ? target : target.slice(0, end))) {
      gateway(req, res);
      return;
    }
    serve(options, req, res).catch((error: unknown) => {
      // A client that went away mid-file is not an error of the gateway's.
      if (res.destroyed || (error as { code?: unknown })?.code === "ERR_STREAM_PREMATURE_CLOSE") {
        res.destroy();
        return;
      }
      options.logger.error({ err: { type: (error as Error)?.name } }, "serving a console file failed");
      if (!res.headersSent) {
        refuse(req, res, 500, consoleSecurityHeaders(options.identityOrigin));
      } else {
        res.destroy();
      }
    });
  };
}
