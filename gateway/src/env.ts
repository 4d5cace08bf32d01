import path from "node:path";
import { logLevel, optionalUrl, parseEnv, port, shutdownGraceSeconds } from "@spx/runtime/config";
import {
  type DatabaseTimeouts,
  databaseTimeoutsEnv,
  databaseTimeoutsOf,
  timeoutsAreOrdered,
} from "@spx/runtime/database";
import { type NoteKey, parseVerifierKey } from "@spx/runtime/tlog";
import { DEFAULT_AUDIENCE, DEV_ISSUER } from "@spx/runtime/tokens";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { z } from "zod";
import { defaultConsoleDir } from "./console/console-dir.js";
import { DEFAULT_RESILIENCE, type ResilienceSettings } from "./edge/resilience-settings.js";
import { ISSUER_ALGORITHMS } from "./identity/issuers-file.js";
import { devWitnesses } from "./keys.js";
import { checkTokenSecret, type TokenSecretSource, tokenSecretFields, tokenSecretOf } from "./token-secret.js";

const DEFAULT_SUPERGRAPH = SUPERGRAPH_FILE;

const millis = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);
/** Unset (or empty, as shells and .env files write it) means "the general setting applies". */
const optionalMillis = () =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(600_000).optional());

/** Each subgraph's own timeout setting, e.g. POPULATION_TIMEOUT_MS; SUBGRAPH_TIMEOUT_MS otherwise. */
const SUBGRAPH_TIMEOUT_SETTINGS = {
  population: "POPULATION_TIMEOUT_MS",
  "social-registry": "SOCIAL_REGISTRY_TIMEOUT_MS",
  "health-insurance": "HEALTH_INSURANCE_TIMEOUT_MS",
  "direct-aid": "DIRECT_AID_TIMEOUT_MS",
} as const;

const { breaker } = DEFAULT_RESILIENCE;

const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

const retired = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .undefined({
      error:
        "removed: the tokens to the registers are keyed by GATEWAY_TOKEN_SECRET_FILE (or GATEWAY_TOKEN_SECRET), each register holding its own key (npm run -s token-key -- <register>)",
    })
    .optional(),
);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  GATEWAY_PORT: port(4000),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default("./.data"),
  LOG_LEVEL: logLevel,
  SUPERGRAPH_PATH: z.string().default(DEFAULT_SUPERGRAPH),
  JWKS_URL: optionalUrl,
  // Unset is told apart from the development defaults: production must name its issuer and audience.
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  JWT_ALGORITHMS: z
    .string()
    .default("EdDSA")
    .transform((value) =>
      value
        .split(",")
        .map((alg) => alg.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ISSUER_ALGORITHMS)).min(1)),
  GATEWAY_ISSUERS_FILE: optionalText,
  ...tokenSecretFields,
  // The Ed25519 key of the tokens to the registers, replaced by GATEWAY_TOKEN_SECRET[_FILE]: a
  // deployment still setting it is told, not ignored.
  GATEWAY_SIGNING_KEY: retired,
  GATEWAY_SIGNING_KEY_FILE: retired,
  GATEWAY_NEXT_SIGNING_KEY: retired,
  GATEWAY_NEXT_SIGNING_KEY_FILE: retired,
  SINGLE_PROCESS: z.enum(["true", "false"]).default("false"),
  POPULATION_URL: optionalUrl,
  SOCIAL_REGISTRY_URL: optionalUrl,
  HEALTH_INSURANCE_URL: optionalUrl,
  DIRECT_AID_URL: optionalUrl,
  GATEWAY_AUTHENTICATION: z.enum(["on", "off"]).default("on"),
  GATEWAY_AUTHORIZATION: z.enum(["filter", "reject", "off"]).default("filter"),
  ACCESS_LOG_DATABASE_URL: optionalUrl,
  GATEWAY_ACCESS_LOG: z.enum(["on", "off"]).default("on"),
  // The access log's tree: its checkpoints' origin (and log key name), key, pace and witnesses.
  ACCESS_LOG_ORIGIN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[^\s+]{1,200}$/, "one word without spaces or '+' (it names the log key)")
      .optional(),
  ),
  ACCESS_LOG_SIGNING_KEY: optionalText,
  ACCESS_LOG_SIGNING_KEY_FILE: optionalText,
  ACCESS_LOG_SEQUENCE_INTERVAL_MS: millis(200),
  ACCESS_LOG_CHECKPOINT_INTERVAL_MS: millis(1000),
  ACCESS_LOG_WITNESSES: optionalText,
  /** Development only: where the local witness listens (`npm start` runs it there). */
  WITNESS_PORT: z.coerce.number().int().min(1).max(65_535).default(4100),
  GATEWAY_EDGE: z.enum(["on", "off"]).default("on"),
  ATTESTATION_JWKS: z.string().optional(),
  GATEWAY_REQUEST_TIMEOUT_MS: millis(DEFAULT_RESILIENCE.requestTimeoutMs),
  SUBGRAPH_TIMEOUT_MS: millis(DEFAULT_RESILIENCE.subgraphTimeoutMs),
  POPULATION_TIMEOUT_MS: optionalMillis(),
  SOCIAL_REGISTRY_TIMEOUT_MS: optionalMillis(),
  HEALTH_INSURANCE_TIMEOUT_MS: optionalMillis(),
  DIRECT_AID_TIMEOUT_MS: optionalMillis(),
  SUBGRAPH_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(breaker.errorThresholdPercentage),
  SUBGRAPH_BREAKER_VOLUME: z.coerce.number().int().min(0).max(10_000).default(breaker.volumeThreshold),
  SUBGRAPH_BREAKER_WINDOW_MS: millis(breaker.windowMs),
  SUBGRAPH_BREAKER_RESET_MS: millis(breaker.resetTimeoutMs),
  ...databaseTimeoutsEnv,
  REDIS_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^rediss?:\/\//)
      .optional(),
  ),
  RATE_LIMIT_KEY: z.preprocess((value) => (value === "" ? undefined : value), z.string().min(32).optional()),
  SHUTDOWN_GRACE_SECONDS: shutdownGraceSeconds,
  // The console at `/` (gateway/src/console): where its build is, and how people sign in to it.
  CONSOLE: z.enum(["on", "off"]).default("on"),
  CONSOLE_DIR: optionalText,
  CONSOLE_OIDC_ISSUER: optionalUrl,
  CONSOLE_OIDC_CLIENT_ID: optionalText,
  CONSOLE_OIDC_SCOPE: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).default("openid")),
  CONSOLE_PUBLIC_URL: optionalUrl,
  CONSOLE_OIDC_REDIRECT_URI: optionalUrl,
});

type RawEnv = z.infer<typeof schema>;

/**
 * What production must be given: every setting that has a development default (a key generated
 * under DATA_DIR, the embedded database, the local issuer, memory) is named when it is missing.
 */
function requireProductionSettings(env: RawEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== "production") {
    return;
  }
  const missing = (setting: string, message: string) => ctx.addIssue({ code: "custom", path: [setting], message });
  if (!env.GATEWAY_ISSUERS_FILE && !(env.JWKS_URL && env.JWT_ISSUER && env.JWT_AUDIENCE)) {
    if (env.JWKS_URL) {
      for (const setting of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
        if (!env[setting]) {
          missing(setting, "required in production with JWKS_URL: the development default is not trusted");
        }
      }
    } else {
      missing(
        "GATEWAY_ISSUERS_FILE",
        "required in production (or JWKS_URL with JWT_ISSUER and JWT_AUDIENCE): the issuers whose tokens are trusted",
      );
    }
  }
  if (env.GATEWAY_ACCESS_LOG === "on" && !env.ACCESS_LOG_DATABASE_URL) {
    missing(
      "ACCESS_LOG_DATABASE_URL",
      "required in production: the access log's PostgreSQL (the embedded database is refused)",
    );
  }
  if (env.GATEWAY_ACCESS_LOG === "on") {
    if (!env.ACCESS_LOG_ORIGIN) {
      missing(
        "ACCESS_LOG_ORIGIN",
        "required in production: the access log's checkpoint origin (e.g. log.example.ma/access-log)",
      );
    }
    if (!env.ACCESS_LOG_SIGNING_KEY && !env.ACCESS_LOG_SIGNING_KEY_FILE) {
      missing(
        "ACCESS_LOG_SIGNING_KEY_FILE",
        "required in production (or ACCESS_LOG_SIGNING_KEY): the access log's private Ed25519 JWK, never generated",
      );
    }
    if (!env.ACCESS_LOG_WITNESSES) {
      missing(
        "ACCESS_LOG_WITNESSES",
        'required in production: the witnesses of the access log, a JSON array of {"name","url","vkey"}',
      );
    }
  }
  if (env.ACCESS_LOG_DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.ACCESS_LOG_DATABASE_URL)) {
    ctx.addIssue({ code: "custom", path: ["ACCESS_LOG_DATABASE_URL"], message: "must be a postgresql:// URL" });
  }
  if (!env.ATTESTATION_JWKS) {
    missing("ATTESTATION_JWKS", "required in production: the social register's public attestation keys");
  }
  if (env.CONSOLE === "on") {
    if (!env.CONSOLE_OIDC_ISSUER) {
      missing("CONSOLE_OIDC_ISSUER", "required in production unless CONSOLE=off: where people sign in to the console");
    }
    if (!env.CONSOLE_OIDC_CLIENT_ID) {
      missing(
        "CONSOLE_OIDC_CLIENT_ID",
        "required in production unless CONSOLE=off: the console's client at the issuer",
      );
    }
    if (!env.CONSOLE_PUBLIC_URL && !env.CONSOLE_OIDC_REDIRECT_URI) {
      missing(
        "CONSOLE_PUBLIC_URL",
        "required in production unless CONSOLE=off (or CONSOLE_OIDC_REDIRECT_URI): the console's address, for the sign-in's return",
      );
    }
  }
  if (!env.REDIS_URL && env.SINGLE_PROCESS !== "true") {
    missing("REDIS_URL", "required in production unless SINGLE_PROCESS=true: state shared by every gateway process");
  }
}

function resilienceOf(raw: RawEnv): ResilienceSettings {
  const subgraphTimeoutsMs: Record<string, number> = {};
  for (const [name, setting] of Object.entries(SUBGRAPH_TIMEOUT_SETTINGS)) {
    const value = raw[setting];
    if (value !== undefined) {
      subgraphTimeoutsMs[name] = value;
    }
  }
  return {
    requestTimeoutMs: raw.GATEWAY_REQUEST_TIMEOUT_MS,
    subgraphTimeoutMs: raw.SUBGRAPH_TIMEOUT_MS,
    subgraphTimeoutsMs,
    breaker: {
      errorThresholdPercentage: raw.SUBGRAPH_BREAKER_ERROR_PERCENT,
      volumeThreshold: raw.SUBGRAPH_BREAKER_VOLUME,
      windowMs: raw.SUBGRAPH_BREAKER_WINDOW_MS,
      resetTimeoutMs: raw.SUBGRAPH_BREAKER_RESET_MS,
    },
  };
}

/** The request's deadline must outlast every subgraph call, or a slow subgraph fails the whole answer. */
const deadlineOutlastsCalls = (raw: RawEnv) =>
  [raw.SUBGRAPH_TIMEOUT_MS, ...Object.values(SUBGRAPH_TIMEOUT_SETTINGS).map((setting) => raw[setting] ?? 0)].every(
    (timeout) => timeout < raw.GATEWAY_REQUEST_TIMEOUT_MS,
  );

export interface GatewayEnv {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  logLevel: string;
  supergraphPath: string;
  /** The trusted issuers and their claims mapping (`identity/issuers-file.ts`); the single-issuer settings otherwise. */
  issuersFile: string | undefined;
  jwksUrl: string | undefined;
  issuer: string;
  audience: string;
  algorithms: string[];
  /**
   * The master secret of the tokens to the registers (GATEWAY_TOKEN_SECRET, or a file holding it,
   * GATEWAY_TOKEN_SECRET_FILE: preferred, the secret stays out of the environment); the development
   * secret under DATA_DIR otherwise.
   */
  tokenSecret: TokenSecretSource;
  /** The operator states that this gateway runs as one process (SINGLE_PROCESS=true). */
  singleProcess: boolean;
  /** Subgraph URL overrides by subgraph name; the supergraph's own URLs apply otherwise. */
  subgraphUrls: Record<string, string>;
  /**
   * Whether callers must present a JWT. `false` exists to measure the gateway against peers that
   * cannot mint subgraph tokens: nobody is known, so nothing is authorized, logged or vouched for,
   * and only subgraphs in bench mode (SUBGRAPH_UNAUTHENTICATED=bench) answer.
   */
  authentication: boolean;
  /** How refused fields are answered; `off` exists to measure what the check costs. */
  authorization: "filter" | "reject" | "off";
  /** PostgreSQL for the access log; the embedded database under DATA_DIR otherwise. */
  accessLogDatabaseUrl: string | undefined;
  /** `off` exists to measure what the access log costs. */
  accessLog: boolean;
  /** The access log's checkpoint origin, also its log key's name (ACCESS_LOG_ORIGIN). */
  accessLogOrigin: string;
  /**
   * The access log's private Ed25519 JWK (ACCESS_LOG_SIGNING_KEY), or a file holding one
   * (ACCESS_LOG_SIGNING_KEY_FILE); the development key under DATA_DIR otherwise.
   */
  accessLogSigningKey: { json: string } | { file: string } | undefined;
  /** Period of the sequencer's rounds. */
  accessLogSequenceIntervalMs: number;
  /** At most one checkpoint per period while entries arrive. */
  accessLogCheckpointIntervalMs: number;
  /**
   * The witnesses the log submits its checkpoints to (ACCESS_LOG_WITNESSES); in development the
   * local witness, whose key is DATA_DIR/keys/witness.jwk (read, or created, on first use).
   */
  accessLogWitnesses: AccessLogWitness[];
  /** `off` (no operation limits, demand control or rate limits) exists to measure what they cost. */
  edge: boolean;
  /** Public keys (a JWKS) of the social register's eligibility attestations, published as is. */
  attestationJwks: string | undefined;
  /** Request deadline, subgraph timeouts and circuits. */
  resilience: ResilienceSettings;
  /** How long the access log waits for its PostgreSQL. */
  databaseTimeouts: DatabaseTimeouts;
  /** Redis shared by every gateway process for the rate limits; each process's memory otherwise. */
  redisUrl: string | undefined;
  /** Key of the hashes subjects and persons are stored under in Redis (required with REDIS_URL). */
  rateLimitKey: string | undefined;
  /** How long requests in flight at SIGTERM or SIGINT may take to finish before they are cut. */
  shutdownGraceSeconds: number;
  /** The console at `/`: `undefined` with CONSOLE=off. */
  console: ConsoleSettings | undefined;
}

export interface AccessLogWitness {
  /** The witness's key name (its cosignature lines carry it). */
  name: string;
  /** Its base URL: the log posts to `<url>/add-checkpoint`. */
  url: string;
  /** Its cosignature key (type 0x04). */
  key: NoteKey;
}

export const DEV_ACCESS_LOG_ORIGIN = "spx.localhost/access-log";

const witnessesSchema = z
  .array(z.object({ name: z.string().min(1), url: z.string().url(), vkey: z.string().min(1) }).strict())
  .min(1);

/** ACCESS_LOG_WITNESSES, checked: JSON of {name, url, vkey}, each vkey a cosignature key of that name; a message otherwise. */
function parseWitnesses(text: string): AccessLogWitness[] | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON: a JSON array of {"name","url","vkey"}';
  }
  const parsed = witnessesSchema.safeParse(json);
  if (!parsed.success) {
    return `a JSON array of {"name","url","vkey"}: ${parsed.error.issues.map((i) => i.message).join("; ")}`;
  }
  const witnesses: AccessLogWitness[] = [];
  for (const { name, url, vkey } of parsed.data) {
    let key: NoteKey;
    try {
      key = parseVerifierKey(vkey);
    } catch (error) {
      return `witness ${name}: vkey is not a verifier key (${(error as Error).message})`;
    }
    if (key.name !== name) {
      return `witness ${name}: its vkey names ${key.name}`;
    }
    if (key.type !== 0x04) {
      return `witness ${name}: its vkey is not a cosignature/v1 key (type 0x04)`;
    }
    witnesses.push({ name, url: url.replace(/\/$/, ""), key });
  }
  if (new Set(witnesses.map((w) => w.name)).size !== witnesses.length) {
    return "two witnesses of the same name";
  }
  return witnesses;
}

export interface ConsoleSettings {
  /** The built console; @spx/console's dist by default. */
  dir: string;
  /** Sign-in at the identity provider (OpenID Connect, code with PKCE); the development picker otherwise. */
  oidc: { issuer: string; clientId: string; scope: string; redirectUri: string } | undefined;
}

/** The console's settings, the OIDC client once it is named (production requires it). */
function consoleOf(raw: RawEnv): ConsoleSettings | undefined {
  if (raw.CONSOLE === "off") {
    return undefined;
  }
  const redirectUri =
    raw.CONSOLE_OIDC_REDIRECT_URI ??
    (raw.CONSOLE_PUBLIC_URL
      ? new URL("login/callback", `${raw.CONSOLE_PUBLIC_URL.replace(/\/$/, "")}/`).href
      : undefined);
  return {
    dir: path.resolve(raw.CONSOLE_DIR ?? defaultConsoleDir()),
    oidc:
      raw.CONSOLE_OIDC_ISSUER && raw.CONSOLE_OIDC_CLIENT_ID && redirectUri
        ? {
            issuer: raw.CONSOLE_OIDC_ISSUER,
            clientId: raw.CONSOLE_OIDC_CLIENT_ID,
            scope: raw.CONSOLE_OIDC_SCOPE,
            redirectUri,
          }
        : undefined,
  };
}

export function loadEnv(source?: Record<string, string | undefined>): GatewayEnv {
  const raw = parseEnv(
    schema
      .refine((env) => !(env.NODE_ENV === "production" && env.GATEWAY_AUTHENTICATION === "off"), {
        path: ["GATEWAY_AUTHENTICATION"],
        message: "off is for benchmarks and is refused in production",
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.GATEWAY_AUTHORIZATION === "off"), {
        path: ["GATEWAY_AUTHORIZATION"],
        message: "off is for benchmarks and is refused in production",
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.GATEWAY_ACCESS_LOG === "off"), {
        path: ["GATEWAY_ACCESS_LOG"],
        message: "off is for benchmarks and is refused in production",
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.GATEWAY_EDGE === "off"), {
        path: ["GATEWAY_EDGE"],
        message: "off is for benchmarks and is refused in production",
      })
      // Two sources of trust would leave one of them silently ignored.
      .refine((env) => !(env.GATEWAY_ISSUERS_FILE && env.JWKS_URL), {
        path: ["GATEWAY_ISSUERS_FILE"],
        message: "set either GATEWAY_ISSUERS_FILE or JWKS_URL (one issuer), not both",
      })
      .superRefine(requireProductionSettings)
      .refine(deadlineOutlastsCalls, {
        path: ["GATEWAY_REQUEST_TIMEOUT_MS"],
        message: "must be longer than SUBGRAPH_TIMEOUT_MS and every <SUBGRAPH>_TIMEOUT_MS",
      })
      .refine(timeoutsAreOrdered, {
        path: ["DATABASE_QUERY_TIMEOUT_MS"],
        message: "must be longer than DATABASE_STATEMENT_TIMEOUT_MS",
      })
      .refine((env) => !(env.ACCESS_LOG_SIGNING_KEY && env.ACCESS_LOG_SIGNING_KEY_FILE), {
        path: ["ACCESS_LOG_SIGNING_KEY_FILE"],
        message: "set ACCESS_LOG_SIGNING_KEY or ACCESS_LOG_SIGNING_KEY_FILE, not both",
      })
      .superRefine((env, ctx) => {
        const parsed = env.ACCESS_LOG_WITNESSES ? parseWitnesses(env.ACCESS_LOG_WITNESSES) : [];
        if (typeof parsed === "string") {
          ctx.addIssue({ code: "custom", path: ["ACCESS_LOG_WITNESSES"], message: parsed });
        }
      })
      .superRefine(checkTokenSecret)
      // Every process must hash a subject alike, or they would not share its limits.
      .refine((env) => !(env.REDIS_URL && !env.RATE_LIMIT_KEY), {
        path: ["RATE_LIMIT_KEY"],
        message: "required with REDIS_URL: the same secret (32 characters or more) in every gateway process",
      }),
    source,
  );
  const subgraphUrls: Record<string, string> = {};
  const overrides = {
    population: raw.POPULATION_URL,
    "social-registry": raw.SOCIAL_REGISTRY_URL,
    "health-insurance": raw.HEALTH_INSURANCE_URL,
    "direct-aid": raw.DIRECT_AID_URL,
  };
  for (const [name, url] of Object.entries(overrides)) {
    if (url) {
      subgraphUrls[name] = url;
    }
  }
  const configured = raw.ACCESS_LOG_WITNESSES ? parseWitnesses(raw.ACCESS_LOG_WITNESSES) : undefined;
  const dataDir = path.resolve(raw.DATA_DIR);
  // Checked above: a message here cannot be.
  let witnesses: AccessLogWitness[] | undefined = typeof configured === "string" ? [] : configured;
  const env: GatewayEnv = {
    production: raw.NODE_ENV === "production",
    port: raw.GATEWAY_PORT,
    host: raw.HOST,
    dataDir,
    logLevel: raw.LOG_LEVEL,
    supergraphPath: raw.SUPERGRAPH_PATH,
    issuersFile: raw.GATEWAY_ISSUERS_FILE,
    jwksUrl: raw.JWKS_URL,
    issuer: raw.JWT_ISSUER ?? DEV_ISSUER,
    audience: raw.JWT_AUDIENCE ?? DEFAULT_AUDIENCE,
    algorithms: raw.JWT_ALGORITHMS,
    tokenSecret: tokenSecretOf(raw),
    singleProcess: raw.SINGLE_PROCESS === "true",
    subgraphUrls,
    authentication: raw.GATEWAY_AUTHENTICATION === "on",
    authorization: raw.GATEWAY_AUTHORIZATION,
    accessLogDatabaseUrl: raw.ACCESS_LOG_DATABASE_URL,
    accessLog: raw.GATEWAY_ACCESS_LOG === "on",
    accessLogOrigin: raw.ACCESS_LOG_ORIGIN ?? DEV_ACCESS_LOG_ORIGIN,
    accessLogSigningKey: raw.ACCESS_LOG_SIGNING_KEY
      ? { json: raw.ACCESS_LOG_SIGNING_KEY }
      : raw.ACCESS_LOG_SIGNING_KEY_FILE
        ? { file: raw.ACCESS_LOG_SIGNING_KEY_FILE }
        : undefined,
    accessLogSequenceIntervalMs: raw.ACCESS_LOG_SEQUENCE_INTERVAL_MS,
    accessLogCheckpointIntervalMs: raw.ACCESS_LOG_CHECKPOINT_INTERVAL_MS,
    // Read when first used: parsing the settings creates no key file (production names its
    // witnesses, or has the log off).
    get accessLogWitnesses(): AccessLogWitness[] {
      witnesses ??= raw.NODE_ENV === "production" ? [] : devWitnesses(dataDir, raw.WITNESS_PORT);
      return witnesses;
    },
    edge: raw.GATEWAY_EDGE === "on",
    attestationJwks: raw.ATTESTATION_JWKS,
    resilience: resilienceOf(raw),
    databaseTimeouts: databaseTimeoutsOf(raw),
    redisUrl: raw.REDIS_URL,
    rateLimitKey: raw.RATE_LIMIT_KEY,
    shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS,
    console: consoleOf(raw),
  };
  return env;
}
