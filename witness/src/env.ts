import path from "node:path";
import { logLevel, optionalUrl, parseEnv, port, shutdownGraceSeconds } from "@spx/runtime/config";
import {
  type DatabaseTimeouts,
  databaseTimeoutsEnv,
  databaseTimeoutsOf,
  timeoutsAreOrdered,
} from "@spx/runtime/database";
import { type NoteKey, parseVerifierKey } from "@spx/runtime/tlog";
import { z } from "zod";

/** The log the local gateway keeps in development (the gateway's ACCESS_LOG_ORIGIN default). */
export const DEV_LOG_ORIGIN = "spx.localhost/access-log";
export const DEFAULT_WITNESS_NAME = "witness.cndp.localhost";

const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

/** One log this witness vouches for: its origin line, the key its checkpoints are signed with, where to poll it. */
export interface TrustedLog {
  origin: string;
  key: NoteKey;
  /** The log's base URL (the gateway's), polled for `/access-log/checkpoint`; no polling without one. */
  url: string | undefined;
}

const logsSetting = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .string()
    .transform((text, ctx): TrustedLog[] => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: 'not JSON: a list of {"origin", "vkey", "url"}' });
        return z.NEVER;
      }
      const entries = z
        .array(
          z.object({
            origin: z
              .string()
              .min(1)
              .regex(/^[^\s]+$/, "an origin line has no spaces"),
            vkey: z.string().min(1),
            url: z.string().url().optional(),
          }),
        )
        .min(1)
        .safeParse(parsed);
      if (!entries.success) {
        ctx.addIssue({
          code: "custom",
          message: `a list of {"origin", "vkey", "url"}: ${entries.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
        });
        return z.NEVER;
      }
      const logs: TrustedLog[] = [];
      for (const [index, entry] of entries.data.entries()) {
        try {
          const key = parseVerifierKey(entry.vkey);
          if (key.type !== 0x01) {
            throw new Error("not an Ed25519 note key (type 0x01)");
          }
          logs.push({ origin: entry.origin, key, url: entry.url?.replace(/\/+$/, "") });
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            path: [index, "vkey"],
            message: `not a verifier key: ${(error as Error).message}`,
          });
          return z.NEVER;
        }
      }
      if (new Set(logs.map((log) => log.origin)).size !== logs.length) {
        ctx.addIssue({ code: "custom", message: "an origin is listed twice" });
        return z.NEVER;
      }
      return logs;
    })
    .optional(),
);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    WITNESS_PORT: port(4100),
    HOST: z.string().default("127.0.0.1"),
    DATA_DIR: z.string().default("./.data"),
    LOG_LEVEL: logLevel,
    WITNESS_NAME: z
      .string()
      .regex(/^[^\s+]+$/, "a note key name has no spaces and no +")
      .default(DEFAULT_WITNESS_NAME),
    WITNESS_SIGNING_KEY: optionalText,
    WITNESS_SIGNING_KEY_FILE: optionalText,
    WITNESS_DATABASE_URL: optionalUrl,
    WITNESS_LOGS: logsSetting,
    WITNESS_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(5),
    // Development only: where the local gateway is (npm start sets it), for the default WITNESS_LOGS.
    GATEWAY_URL: optionalUrl,
    ACCESS_LOG_ORIGIN: optionalText,
    SHUTDOWN_GRACE_SECONDS: shutdownGraceSeconds,
    ...databaseTimeoutsEnv,
  })
  .refine((env) => !(env.WITNESS_SIGNING_KEY && env.WITNESS_SIGNING_KEY_FILE), {
    path: ["WITNESS_SIGNING_KEY_FILE"],
    message: "set WITNESS_SIGNING_KEY or WITNESS_SIGNING_KEY_FILE, not both",
  })
  .refine(timeoutsAreOrdered, {
    path: ["DATABASE_QUERY_TIMEOUT_MS"],
    message: "must be longer than DATABASE_STATEMENT_TIMEOUT_MS",
  })
  .superRefine((env, ctx) => {
    if (env.WITNESS_DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.WITNESS_DATABASE_URL)) {
      ctx.addIssue({ code: "custom", path: ["WITNESS_DATABASE_URL"], message: "must be a postgresql:// URL" });
    }
    if (env.NODE_ENV !== "production") {
      return;
    }
    // Everything with a development default (a key under DATA_DIR, the embedded database, the
    // local gateway's log) is named when missing: a witness must be told whom it vouches for.
    const missing = (setting: string, message: string) => ctx.addIssue({ code: "custom", path: [setting], message });
    if (!env.WITNESS_SIGNING_KEY && !env.WITNESS_SIGNING_KEY_FILE) {
      missing(
        "WITNESS_SIGNING_KEY_FILE",
        "required in production (or WITNESS_SIGNING_KEY): the witness's private Ed25519 JWK, never generated",
      );
    }
    if (!env.WITNESS_DATABASE_URL) {
      missing(
        "WITNESS_DATABASE_URL",
        "required in production: the witness's own PostgreSQL (the embedded database is refused)",
      );
    }
    if (!env.WITNESS_LOGS) {
      missing("WITNESS_LOGS", 'required in production: the logs it witnesses, [{"origin", "vkey", "url"}]');
    }
  });

export interface WitnessEnv {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  logLevel: string;
  /** The witness's note key name: its cosignature lines start with it. */
  name: string;
  /** A private Ed25519 JWK (WITNESS_SIGNING_KEY) or a file holding one (preferred); a development key otherwise. */
  signingKey: { json: string } | { file: string } | undefined;
  /** PostgreSQL; the embedded database under DATA_DIR otherwise (development). */
  databaseUrl: string | undefined;
  databaseTimeouts: DatabaseTimeouts;
  /** WITNESS_LOGS; undefined: the local gateway's log, with its development key (development). */
  logs: TrustedLog[] | undefined;
  /** The development default's log: the local gateway's origin and base URL. */
  devLog: { origin: string; url: string };
  /** 0: no polling (submissions only). */
  pollSeconds: number;
  shutdownGraceSeconds: number;
}

export function loadEnv(source?: Record<string, string | undefined>): WitnessEnv {
  const raw = parseEnv(schema, source);
  return {
    production: raw.NODE_ENV === "production",
    port: raw.WITNESS_PORT,
    host: raw.HOST,
    dataDir: path.resolve(raw.DATA_DIR),
    logLevel: raw.LOG_LEVEL,
    name: raw.WITNESS_NAME,
    signingKey: raw.WITNESS_SIGNING_KEY
      ? { json: raw.WITNESS_SIGNING_KEY }
      : raw.WITNESS_SIGNING_KEY_FILE
        ? { file: raw.WITNESS_SIGNING_KEY_FILE }
        : undefined,
    databaseUrl: raw.WITNESS_DATABASE_URL,
    databaseTimeouts: databaseTimeoutsOf(raw),
    logs: raw.WITNESS_LOGS,
    devLog: {
      origin: raw.ACCESS_LOG_ORIGIN ?? DEV_LOG_ORIGIN,
      url: (raw.GATEWAY_URL ?? "http://127.0.0.1:4000").replace(/\/graphql\/?$/, "").replace(/\/+$/, ""),
    },
    pollSeconds: raw.WITNESS_POLL_SECONDS,
    shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS,
  };
}
