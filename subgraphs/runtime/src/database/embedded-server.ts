import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { refuseInProduction } from "../config/production.js";
import { lockDataDir, processIsAlive } from "./data-dir-lock.js";

/*
 * The embedded database of `npm start`: ONE PGlite, served over the PostgreSQL wire protocol on
 * 127.0.0.1, so that every register and the access log take the PostgreSQL code path (node-pg)
 * against it and `npm run audit:verify` or `prisma migrate status` can connect while it runs.
 *
 * Why this and not @electric-sql/pglite-socket: PGlite is one single-user session, and
 * pglite-socket queues single protocol MESSAGES from every connection onto it. It keeps a
 * connection's explicit transaction together, but between the Parse, Bind, Execute and Sync of one
 * parameterised query (which node-pg and Prisma send for every statement) another connection's
 * messages are run, so two pools' queries can bind each other's statements; and session state
 * (search_path, role) is one for all, so registers could not be kept apart. Here a connection takes
 * the session for a whole unit of work, from its first message until PGlite answers ReadyForQuery
 * idle: a statement, an extended-protocol sequence up to Sync, or a transaction up to COMMIT or
 * ROLLBACK. Other connections wait in arrival order, so transactions never interleave.
 *
 * Each connection names its register as the database of its URL (postgresql://127.0.0.1:port/
 * population). Every register has its own schema, owned by its own role, and holds no privilege on
 * another's: before a unit of work the session takes that register's role (SET ROLE) with only its schema on
 * the search path, so a register's queries cannot see another's tables (permission denied). This
 * keeps registers apart against mistakes, not against a hostile client (a connection could reset its
 * role): it is a development database.
 *
 * A connection holding the session idle inside a transaction for longer than its
 * idle_in_transaction_session_timeout (a startup parameter node-pg sends; 10 s otherwise) is ended
 * and rolled back, as PostgreSQL does (FATAL 25P03), so that a stuck client cannot stop every other.
 */

/** The file under DATA_DIR naming the running server, for processes that were given no URL. */
export const EMBEDDED_SERVER_FILE = "embedded-database.json";
/** Where `npm start` serves it unless EMBEDDED_DATABASE_PORT says otherwise: beside the services' 4000-4004. */
export const DEFAULT_EMBEDDED_DATABASE_PORT = 4005;
/** The folder under DATA_DIR holding the one PGlite. */
export const EMBEDDED_DATA_FOLDER = "embedded";

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const TERMINATE = 0x58;
const SYNC = 0x53;
const QUERY = 0x51;
const DEFAULT_IDLE_IN_TRANSACTION_MS = 10_000;
/** PostgreSQL refuses a start-up packet over 10,000 bytes; a shorter one than its header is malformed. */
const MAX_STARTUP_BYTES = 10_000;
/** A message's declared length counts itself (4 bytes); larger than this is refused, not buffered. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** A client that has not finished its start-up by then is cut off, as PostgreSQL's authentication_timeout. */
const STARTUP_TIMEOUT_MS = 10_000;
/**
 * A development machine's data is small: PostgreSQL's 128 MB of shared buffers and 64 MB for index
 * builds only make the one WASM heap grow (it never shrinks), by about 170 MB on a first start.
 */
const SMALL_FOOTPRINT = ["shared_buffers = 16MB", "maintenance_work_mem = 16MB"];
/** Databases a client may not name: they would be the superuser's session. */
const RESERVED = new Set(["postgres", "template0", "template1"]);

export interface EmbeddedServerOptions {
  dataDir: string;
  /** 0 for any free port. */
  port: number;
  /** Keep the database in memory (tests); no lock, no file under DATA_DIR. */
  inMemory?: boolean;
  /** Called once the port accepts connections, possibly before PGlite has opened. */
  onListening?: (port: number) => void;
}

export interface EmbeddedServer {
  port: number;
  /** The URL of one register's database on this server. */
  urlOf(register: string): string;
  close(): Promise<void>;
}

interface ServerFile {
  pid: number;
  port: number;
}

/** The running server under `dataDir`, if its owner is alive. */
export function runningEmbeddedServer(dataDir: string): ServerFile | undefined {
  try {
    const file = JSON.parse(readFileSync(path.join(dataDir, EMBEDDED_SERVER_FILE), "utf8")) as Partial<ServerFile>;
    if (typeof file.pid === "number" && typeof file.port === "number" && processIsAlive(file.pid)) {
      return { pid: file.pid, port: file.port };
    }
  } catch {}
  return undefined;
}

/** `?schema=` tells Prisma the register's schema (it names the schema in every query). */
export const embeddedUrl = (port: number, register: string): string =>
  `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(register)}?schema=${identifierOf(register)}`;

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  refuseInProduction("The embedded database", "set every *_DATABASE_URL to a PostgreSQL");
  const folder = path.resolve(options.dataDir, EMBEDDED_DATA_FOLDER);
  const releaseLock = options.inMemory ? () => {} : lockDataDir(folder);
  // Listening starts while PGlite opens (initdb on a first start takes seconds): clients may connect
  // meanwhile, and their statements wait for it.
  const opening = PGlite.create({ ...(options.inMemory ? {} : { dataDir: folder }), postgresqlconf: SMALL_FOOTPRINT });
  opening.catch(() => {});
  const session = new Session(opening);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    new Connection(socket, session);
  });
  let db: PGlite;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, "127.0.0.1", () => resolve());
    });
    options.onListening?.((server.address() as { port: number }).port);
    db = await opening;
  } catch (error) {
    await closeServer(server, sockets);
    await opening.then(
      (opened) => opened.close(),
      () => {},
    );
    releaseLock();
    throw error;
  }
  const port = (server.address() as { port: number }).port;
  const serverFile = path.join(options.dataDir, EMBEDDED_SERVER_FILE);
  if (!options.inMemory) {
    writeFileSync(serverFile, JSON.stringify({ pid: process.pid, port } satisfies ServerFile));
  }
  return {
    port,
    urlOf: (register) => embeddedUrl(port, register),
    async close() {
      if (!options.inMemory) {
        rmSync(serverFile, { force: true });
      }
      await closeServer(server, sockets);
      await session.idle();
      await db.close();
      releaseLock();
    },
  };
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) {
    socket.destroy();
  }
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The one PGlite session, lent to one connection at a time for a whole unit of work. */
class Session {
  private holder: Connection | undefined;
  private readonly waiting: Connection[] = [];
  private pumping: Promise<void> | undefined;
  /** The register whose role and search path the session has now. */
  private current: string | undefined;
  private readonly registers = new Set<string>();

  private db: PGlite | undefined;

  constructor(private readonly opening: Promise<PGlite>) {}

  private async opened(): Promise<PGlite> {
    this.db ??= await this.opening;
    return this.db;
  }

  /** A connection has messages to run, or has gone: it runs when its turn comes. */
  wake(connection: Connection): void {
    if (connection !== this.holder && !this.waiting.includes(connection)) {
      this.waiting.push(connection);
    }
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Lends the session in arrival order; stops while the holder is mid-transaction with nothing to run. */
  private async pump(): Promise<void> {
    for (;;) {
      this.holder ??= this.waiting.shift();
      const holder = this.holder;
      if (!holder) {
        return;
      }
      let outcome: "released" | "waiting";
      try {
        outcome = await holder.run();
      } catch {
        holder.destroy();
        await this.abandon().catch(() => {});
        outcome = "released";
      }
      if (outcome === "waiting") {
        return;
      }
      this.holder = undefined;
      if (holder.hasWork()) {
        this.waiting.push(holder);
      }
    }
  }

  /** Once nothing runs: for closing. */
  async idle(): Promise<void> {
    await this.pumping;
  }

  /** Turns the session into `register`'s before its unit of work, creating its schema on first use. */
  async enter(register: string): Promise<void> {
    if (this.current === register) {
      return;
    }
    const name = identifierOf(register);
    if (!this.registers.has(register)) {
      await (await this.opened()).exec(`RESET ROLE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN
    CREATE ROLE "${name}" NOLOGIN;
  END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS "${name}" AUTHORIZATION "${name}";
GRANT CREATE ON DATABASE postgres TO "${name}";`);
      this.registers.add(register);
    }
    // RESET ALL first, so that a setting one register changed for its session does not follow the next
    // (it leaves the role alone, hence RESET ROLE).
    await (await this.opened()).exec(`RESET ROLE; RESET ALL; SET ROLE "${name}"; SET search_path TO "${name}";`);
    this.current = register;
  }

  /** One protocol message of the holder; PGlite runs it synchronously, so nothing interleaves. */
  async execute(message: Uint8Array): Promise<Uint8Array> {
    return (await this.opened()).execProtocolRaw(message);
  }

  /** Ends what a departed holder left open: an unfinished extended sequence, then its transaction. */
  async abandon(): Promise<void> {
    const db = await this.opened();
    await db.execProtocolRaw(new Uint8Array([SYNC, 0, 0, 0, 4]));
    if (db.isInTransaction()) {
      await db.exec("ROLLBACK");
    }
  }
}

/** Role and schema names: the register's name with hyphens as underscores. */
export function identifierOf(register: string): string {
  return register.replaceAll("-", "_");
}

const validRegister = (name: string): boolean => /^[a-z][a-z0-9_-]{0,62}$/.test(name) && !RESERVED.has(name);

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private register = "";
  private readonly pending: Buffer[] = [];
  /** Messages have run since the last ReadyForQuery: the session is mid-unit. */
  private inUnit = false;
  private closed = false;
  private idleTimeoutMs = DEFAULT_IDLE_IN_TRANSACTION_MS;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly session: Session,
  ) {
    socket.setNoDelay(true);
    const startupTimer = setTimeout(() => {
      if (!this.started) {
        this.fatal("08P01", "start-up not completed in time");
      }
    }, STARTUP_TIMEOUT_MS);
    startupTimer.unref();
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => {});
    socket.on("close", () => this.close());
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.started) {
      this.startup();
      return;
    }
    const before = this.pending.length;
    this.frame();
    if (this.pending.length > before) {
      this.clearIdleTimer();
      this.session.wake(this);
    }
  }

  /** Untyped start-up packets: SSL and GSS requests (refused), cancel requests, the StartupMessage. */
  private startup(): void {
    while (!this.started && this.buffer.length >= 8) {
      const length = this.buffer.readInt32BE(0);
      // A length that does not cover its own header would never consume the buffer.
      if (length < 8 || length > MAX_STARTUP_BYTES) {
        this.fatal("08P01", "invalid length of start-up packet");
        return;
      }
      if (this.buffer.length < length) {
        return;
      }
      const code = this.buffer.readInt32BE(4);
      const packet = this.buffer.subarray(8, length);
      this.buffer = this.buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        this.socket.write("N");
      } else if (code === CANCEL_REQUEST) {
        // No backend to signal: a PGlite statement cannot be interrupted.
        this.socket.end();
        return;
      } else if (code === PROTOCOL_3) {
        this.accept(startupParameters(packet));
      } else {
        this.fatal("0A000", "unsupported frontend protocol");
        return;
      }
    }
  }

  private accept(parameters: Map<string, string>): void {
    const register = parameters.get("database") ?? parameters.get("user") ?? "";
    if (!validRegister(register)) {
      this.fatal("3D000", `database "${register}" is not a register's name`);
      return;
    }
    const idle = Number(parameters.get("idle_in_transaction_session_timeout"));
    if (Number.isInteger(idle) && idle > 0) {
      this.idleTimeoutMs = idle;
    }
    this.register = register;
    this.started = true;
    const statuses: [string, string][] = [
      ["server_version", "18.6"],
      ["server_encoding", "UTF8"],
      ["client_encoding", "UTF8"],
      ["DateStyle", "ISO, MDY"],
      ["integer_datetimes", "on"],
      ["standard_conforming_strings", "on"],
      ["TimeZone", "UTC"],
    ];
    const key = Buffer.alloc(8);
    this.socket.write(
      Buffer.concat([
        message("R", Buffer.from([0, 0, 0, 0])),
        ...statuses.map(([name, value]) => message("S", Buffer.from(`${name}\0${value}\0`))),
        message("K", key),
        message("Z", Buffer.from("I")),
      ]),
    );
    if (this.buffer.length) {
      this.receive(Buffer.alloc(0));
    }
  }

  /** Splits the buffer into whole typed messages. */
  private frame(): void {
    while (this.buffer.length >= 5) {
      const declared = this.buffer.readInt32BE(1);
      if (declared < 4 || declared > MAX_MESSAGE_BYTES) {
        this.fatal("08P01", "invalid message length");
        return;
      }
      const length = 1 + declared;
      if (this.buffer.length < length) {
        return;
      }
      this.pending.push(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
    }
  }

  hasWork(): boolean {
    return !this.closed && this.pending.length > 0;
  }

  /**
   * This connection's turn: runs its pending messages until its unit of work ends ("released") or
   * it is mid-unit with nothing more to run ("waiting": it keeps the session).
   */
  async run(): Promise<"released" | "waiting"> {
    for (;;) {
      if (this.closed) {
        if (this.inUnit) {
          this.inUnit = false;
          await this.session.abandon();
        }
        return "released";
      }
      const next = this.nextBatch();
      if (!next) {
        if (this.inUnit) {
          this.startIdleTimer();
          return "waiting";
        }
        return "released";
      }
      if (next[0] === TERMINATE) {
        this.close();
        continue;
      }
      if (!this.inUnit) {
        await this.session.enter(this.register);
      }
      this.inUnit = true;
      const reply = await this.session.execute(next);
      if (reply.length && !this.socket.destroyed) {
        this.socket.write(reply);
      }
      const status = readyStatus(reply);
      if (status !== undefined) {
        this.inUnit = status !== "I";
        if (!this.inUnit) {
          // The others get their turn between units of work.
          return "released";
        }
      }
    }
  }

  /**
   * The pending messages up to the first that ends with ReadyForQuery (Sync or Query), in one
   * buffer: PGlite runs them in one call, and the reply's last message tells how the unit stands.
   */
  private nextBatch(): Buffer | undefined {
    const batch: Buffer[] = [];
    while (this.pending.length) {
      const next = this.pending[0] as Buffer;
      if (next[0] === TERMINATE) {
        if (batch.length === 0) {
          this.pending.shift();
          return next;
        }
        break;
      }
      batch.push(next);
      this.pending.shift();
      if (next[0] === SYNC || next[0] === QUERY) {
        break;
      }
    }
    return batch.length ? Buffer.concat(batch) : undefined;
  }

  private startIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.fatal("25P03", "terminating connection due to idle-in-transaction timeout");
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  private fatal(code: string, text: string): void {
    this.socket.end(message("E", Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`)));
    this.close();
  }

  /** What the connection left open is rolled back (in its turn) before the session passes on. */
  private close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.clearIdleTimer();
    this.pending.length = 0;
    if (!this.socket.destroyed) {
      this.socket.end();
    }
    if (this.started) {
      this.session.wake(this);
    }
  }

  destroy(): void {
    this.socket.destroy();
    this.close();
  }
}

function startupParameters(packet: Buffer): Map<string, string> {
  const parts = packet.toString("utf8").split("\0");
  const parameters = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) {
    parameters.set(parts[i] as string, parts[i + 1] as string);
  }
  return parameters;
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

/** The transaction status of the ReadyForQuery that ends `reply`, if it ends with one. */
function readyStatus(reply: Uint8Array): string | undefined {
  const at = reply.length - 6;
  if (
    at >= 0 &&
    reply[at] === 0x5a &&
    reply[at + 1] === 0 &&
    reply[at + 2] === 0 &&
    reply[at + 3] === 0 &&
    reply[at + 4] === 5
  ) {
    return String.fromCharCode(reply[at + 5] as number);
  }
  return undefined;
}
