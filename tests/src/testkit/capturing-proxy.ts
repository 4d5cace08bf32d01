import { createServer, type IncomingMessage, type Server } from "node:http";

/** One call as it crossed the wire: the bearer header and the body, exactly as sent. */
export interface Captured {
  authorization: string;
  body: string;
}

export interface CapturingProxy {
  url: string;
  captured: Captured[];
  server: Server;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Stands between the gateway and a register, as someone on that network would: forwards each
 * call unchanged and keeps a copy of what the gateway sent (to replay it). With `delayMs`, each
 * call is held that long before it is forwarded (a slow network, or calls that overlap).
 */
export async function capturingProxy(
  target: () => string,
  options: { delayMs?: number } = {},
): Promise<CapturingProxy> {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    read(req).then(
      async (body) => {
        const authorization = req.headers.authorization ?? "";
        captured.push({ authorization, body });
        if (options.delayMs) {
          await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        }
        const forwarded = await fetch(`${target()}${req.url ?? ""}`, {
          method: req.method ?? "POST",
          headers: { "content-type": "application/json", authorization },
          body: req.method === "GET" ? undefined : body,
        });
        const text = await forwarded.text();
        res.writeHead(forwarded.status, { "content-type": "application/json" });
        res.end(text);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, captured, server };
}
