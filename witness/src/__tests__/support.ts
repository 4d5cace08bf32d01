import { generateKeyPairSync, type JsonWebKey, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, type Logger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import {
  addCheckpointBody,
  checkpointText,
  consistencyProof,
  type Hash,
  leafHash,
  memoryNodeSource,
  type NoteKey,
  type NoteSigner,
  noteKeyFromJwk,
  noteSigner,
  rootOf,
  signNote,
} from "@spx/runtime/tlog";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import type { TrustedLog } from "../env.js";
import { createWitnessService } from "../server.js";
import { WITNESS_MIGRATIONS } from "../witness-store.js";

export const ORIGIN = "test.localhost/access-log";
export const WITNESS_NAME = "witness.test.localhost";

export function ed25519Jwk(): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateJwk: privateKey.export({ format: "jwk" }) as JsonWebKey,
    publicJwk: publicKey.export({ format: "jwk" }) as JsonWebKey,
  };
}

/** A log kept in memory: its leaves, signing key, and the notes and proofs it would publish. */
export class MemoryLog {
  readonly leaves: Hash[] = [];
  readonly signer: NoteSigner;
  readonly key: NoteKey;

  constructor(
    readonly origin = ORIGIN,
    jwk = ed25519Jwk(),
  ) {
    this.signer = noteSigner(origin, jwk.privateJwk, 0x01);
    this.key = noteKeyFromJwk(origin, jwk.publicJwk, 0x01);
  }

  append(count: number): this {
    for (let i = 0; i < count; i++) {
      this.leaves.push(leafHash(randomBytes(16)));
    }
    return this;
  }

  root(size = this.leaves.length): Hash {
    return rootOf(this.leaves.slice(0, size));
  }

  /** The log-signed checkpoint note at `size`. */
  note(size = this.leaves.length, root = this.root(size)): string {
    return signNote(checkpointText({ origin: this.origin, size, root }), this.signer);
  }

  proof(from: number, to = this.leaves.length): Promise<Hash[]> {
    return from === 0 || from === to ? Promise.resolve([]) : consistencyProof(from, to, memoryNodeSource(this.leaves));
  }

  async body(oldSize: number, size = this.leaves.length): Promise<string> {
    return addCheckpointBody(oldSize, await this.proof(oldSize, size), this.note(size));
  }

  trusted(url?: string): TrustedLog {
    return { origin: this.origin, key: this.key, url };
  }
}

/**
 * The log's public routes as the gateway serves them (/access-log/checkpoint and
 * /access-log/consistency), over real HTTP, from a MemoryLog the test can tamper with.
 */
export async function serveLog(log: () => MemoryLog): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const current = log();
    const text = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(body);
    };
    if (url.pathname === "/access-log/checkpoint") {
      return current.leaves.length === 0 ? text(404, "none\n") : text(200, current.note());
    }
    if (url.pathname === "/access-log/consistency") {
      const from = Number(url.searchParams.get("from"));
      const to = Number(url.searchParams.get("to"));
      if (!(from >= 0 && from <= to && to <= current.leaves.length)) {
        return text(400, "bad range\n");
      }
      const proof = await current.proof(from, to);
      return text(200, proof.map((h) => `${Buffer.from(h).toString("base64")}\n`).join(""));
    }
    return text(404, "not found\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RunningWitness {
  url: string;
  key: NoteKey;
  service: Awaited<ReturnType<typeof createWitnessService>>;
  server: RunningServer;
  database: TestDatabase;
  logs: string[];
  post(body: string): Promise<{ status: number; contentType: string | null; text: string }>;
  stop(): Promise<void>;
}

/** A witness on port 0 over its own migrated test database, its error-level logs captured. */
export async function startWitness(logs: TrustedLog[], options: { pollIntervalMs?: number } = {}) {
  const jwk = ed25519Jwk();
  const signer = noteSigner(WITNESS_NAME, jwk.privateJwk, 0x04);
  const key = noteKeyFromJwk(WITNESS_NAME, jwk.publicJwk, 0x04);
  const database = await createTestDatabase("witness", WITNESS_MIGRATIONS);
  const lines: string[] = [];
  const logger: Logger = createLogger("witness", "warn", {
    write: (line: string) => {
      lines.push(line);
    },
  });
  const service = await createWitnessService({
    sql: database.database.sql,
    logs,
    signer,
    logger,
    pollIntervalMs: options.pollIntervalMs ?? 0,
  });
  const server = await listen(service.handler, 0);
  const running: RunningWitness = {
    url: server.url,
    key,
    service,
    server,
    database,
    logs: lines,
    async post(body) {
      const response = await fetch(`${server.url}/add-checkpoint`, { method: "POST", body });
      return {
        status: response.status,
        contentType: response.headers.get("content-type"),
        text: await response.text(),
      };
    },
    async stop() {
      await service.poller.stop();
      await server.close();
      await database.drop();
    },
  };
  return running;
}
