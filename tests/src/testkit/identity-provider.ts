import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Adapter, AdapterPayload, ClientMetadata, Configuration, default as Provider } from "oidc-provider";

/**
 * A real OpenID provider (panva's oidc-provider) in the test process, so that the gateway verifies
 * tokens a standard authorization server issued over a real client-credentials request, through a
 * real JWKS endpoint, and follows its key rotation. Tests only: oidc-provider 9.13 calls Node 20
 * "unsupported" (it runs; see /work/shared/notes/identity.md §3).
 */

/** What oidc-provider signs with here; the gateway must accept exactly this (`JWT_ALGORITHMS`). */
export type ProviderAlgorithm = "EdDSA" | "ES256";

export interface ProviderClient {
  clientId: string;
  /** `client_secret_basic` (or `clientSecretMethod`) with this secret… */
  clientSecret?: string;
  /** How the client sends its secret: in the Authorization header (default) or in the form. */
  clientSecretMethod?: "client_secret_basic" | "client_secret_post";
  /** …or `private_key_jwt` with this private JWK (EdDSA or ES256); the provider gets its public half. */
  clientPrivateJwk?: JWK;
  /**
   * Added as top-level claims of the client's access tokens (never overriding the standard ones);
   * a function is asked at each issuance, for claims a test only knows once its data exists.
   */
  claims?: Record<string, unknown> | (() => Record<string, unknown>);
  /** This client's access-token lifetime; the provider's otherwise. */
  accessTokenTtlSeconds?: number;
}

export interface IdentityProviderOptions {
  clients: ProviderClient[];
  /** The gateway's audience: the resource indicator tokens are issued for by default (an absolute URI). */
  audience?: string;
  /** Further resource indicators the provider issues tokens for (to test a token meant for someone else). */
  otherAudiences?: string[];
  algorithm?: ProviderAlgorithm;
  accessTokenTtlSeconds?: number;
}

export interface TokenOptions {
  /** The resource indicator (token audience); the provider's `audience` otherwise. */
  audience?: string;
  /** Authenticate with this secret instead of the registered one (client_secret_basic, or the client's method). */
  clientSecret?: string;
}

/** The token endpoint's refusal, as RFC 6749 §5.2 describes it. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(`token request refused: ${status} ${error}${description ? ` (${description})` : ""}`);
    this.name = "TokenRequestError";
  }
}

export interface IdentityProvider {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens (`JWT_ISSUER`). */
  issuer: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  discoveryUri: string;
  jwksUri: string;
  tokenEndpoint: string;
  /** The `aud` of its tokens by default (`JWT_AUDIENCE`). */
  audience: string;
  algorithm: ProviderAlgorithm;
  /** The `kid` the provider signs with now. */
  currentKid(): string;
  /** Every `kid` published in the JWKS, in its order: the signing one first, a next one last. */
  publishedKids(): string[];
  /** A client-credentials access token for the client, over HTTP; throws TokenRequestError if refused. */
  token(clientId: string, options?: TokenOptions): Promise<string>;
  /**
   * Signs with a new key (new `kid`) from now on, the one `publishNextKey` published if there is
   * one, and keeps publishing the previous ones, so tokens already issued stay verifiable. Same
   * port and issuer; returns the new `kid`.
   */
  rotate(): Promise<string>;
  /**
   * The first step of oidc-provider's recommended rotation: a new key published at the end of the
   * JWKS, not yet signing, so that verifiers can know it before `rotate()` makes it the signing key.
   */
  publishNextKey(): Promise<string>;
  /** Stops publishing every key but the signing one (and a next one): their tokens stop verifying. */
  retireOldKeys(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_PROVIDER_AUDIENCE = "urn:spx:gateway";
const DEFAULT_TTL_SECONDS = 300;

/** The provider's development-only notices that say nothing about the test; everything else is printed. */
const EXPECTED_NOTICES = ["Unsupported runtime. Use Node.js v22.x LTS"];

export async function loadProvider(): Promise<typeof import("oidc-provider")> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (!EXPECTED_NOTICES.some((notice) => text.includes(notice))) {
      warn(...args);
    }
  };
  try {
    return await import("oidc-provider");
  } finally {
    console.warn = warn;
  }
}

/**
 * What oidc-provider stores (seen client-assertion `jti`s, for replay detection), in memory and
 * shared across rotations; and the clients, which it reads through the same adapter. Its own
 * in-memory adapter announces itself as "development-only" on every start, and clients given as
 * `clients` configuration go through `structuredClone`, which under Jest's VM modules builds objects
 * of another realm: oidc-provider's plain-object check then refuses every client `jwks`.
 */
export function memoryAdapter(clients: () => ClientMetadata[]): (name: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAtMs: number }>();
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    const live = (id: string) => {
      const entry = store.get(key(id));
      if (entry && entry.expiresAtMs <= Date.now()) {
        store.delete(key(id));
        return undefined;
      }
      return entry;
    };
    return {
      async upsert(id, payload, expiresIn) {
        store.set(key(id), { payload, expiresAtMs: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      },
      async find(id) {
        if (name === "Client") {
          const client = clients().find((metadata) => metadata.client_id === id);
          return client ? (JSON.parse(JSON.stringify(client)) as AdapterPayload) : undefined;
        }
        return live(id)?.payload;
      },
      async findByUid(uid) {
        return [...store.values()].find((entry) => entry.payload.uid === uid)?.payload;
      },
      async findByUserCode(userCode) {
        return [...store.values()].find((entry) => entry.payload.userCode === userCode)?.payload;
      },
      async consume(id) {
        const entry = live(id);
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
        }
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of store) {
          if (entry.payload.grantId === grantId) {
            store.delete(k);
          }
        }
      },
    };
  };
}

export async function newSigningJwk(algorithm: ProviderAlgorithm): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _secret, ...publicJwk } = jwk;
  return { ...jwk, kid: await calculateJwkThumbprint(publicJwk), alg: algorithm, use: "sig" };
}

function clientAlgorithm(jwk: JWK): ProviderAlgorithm {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    return "EdDSA";
  }
  if (jwk.kty === "EC" && jwk.crv === "P-256") {
    return "ES256";
  }
  throw new Error(`client keys are Ed25519 or P-256, not ${jwk.kty}/${jwk.crv}`);
}

function clientMetadata(client: ProviderClient, algorithm: ProviderAlgorithm): ClientMetadata {
  const base: ClientMetadata = {
    client_id: client.clientId,
    grant_types: ["client_credentials"],
    redirect_uris: [],
    response_types: [],
    // Unused by client credentials, but validated: it must name an algorithm the provider has a key for.
    id_token_signed_response_alg: algorithm,
  };
  if (client.clientPrivateJwk) {
    const { d: _secret, ...publicJwk } = client.clientPrivateJwk;
    return {
      ...base,
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: clientAlgorithm(client.clientPrivateJwk),
      jwks: { keys: [publicJwk] },
    };
  }
  if (!client.clientSecret) {
    throw new Error(`client ${client.clientId} needs a clientSecret or a clientPrivateJwk`);
  }
  return {
    ...base,
    token_endpoint_auth_method: client.clientSecretMethod ?? "client_secret_basic",
    client_secret: client.clientSecret,
  };
}

function assertAbsoluteUri(value: string): void {
  // oidc-provider refuses resource indicators that are not absolute URIs (invalid_target).
  if (!URL.canParse(value)) {
    throw new Error(`an audience here is a resource indicator and must be an absolute URI: ${value}`);
  }
}

/** Starts the provider on 127.0.0.1 and a free port. Stop it with `stop()` (in `afterAll`). */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const algorithm = options.algorithm ?? "EdDSA";
  const audience = options.audience ?? DEFAULT_PROVIDER_AUDIENCE;
  const audiences = [audience, ...(options.otherAudiences ?? [])];
  audiences.forEach(assertAbsoluteUri);
  const clients = new Map(options.clients.map((client) => [client.clientId, client]));
  const ttlOf = (clientId: string | undefined) =>
    (clientId ? clients.get(clientId)?.accessTokenTtlSeconds : undefined) ??
    options.accessTokenTtlSeconds ??
    DEFAULT_TTL_SECONDS;
  const { default: ProviderClass, errors } = await loadProvider();
  const metadata = options.clients.map((client) => clientMetadata(client, algorithm));
  const adapter = memoryAdapter(() => metadata);

  // The issuer names the port, so the port is taken first and the provider built for it.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handle) {
      handle(req, res);
    } else {
      res.writeHead(503).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const stop = async () => {
    handle = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A verifier's keep-alive connection to the JWKS would hold close() open.
      server.closeAllConnections();
    });
  };

  // Signing key first, older keys after it, a next one last: oidc-provider signs with the first key
  // of the algorithm.
  const keys: (JWK & { kid: string })[] = [];
  let nextKey: (JWK & { kid: string }) | undefined;
  const published = () => (nextKey ? [...keys, nextKey] : keys);
  const build = (): Provider => {
    const configuration: Configuration = {
      jwks: { keys: published().map((key) => ({ ...key })) },
      adapter,
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator, client) => {
            if (!audiences.includes(indicator)) {
              throw new errors.InvalidTarget();
            }
            return {
              scope: "",
              audience: indicator,
              accessTokenFormat: "jwt",
              accessTokenTTL: ttlOf(client.clientId),
              jwt: { sign: { alg: algorithm } },
            };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const claims = clients.get(token.clientId ?? "")?.claims;
        return typeof claims === "function" ? claims() : claims;
      },
      ttl: { ClientCredentials: (_ctx, _token, client) => ttlOf(client.clientId) },
    };
    return new ProviderClass(issuer, configuration);
  };

  try {
    keys.push(await newSigningJwk(algorithm));
    handle = build().callback();
  } catch (error) {
    await stop();
    throw error;
  }
  const tokenEndpoint = `${issuer}/token`;

  const token = async (clientId: string, tokenOptions: TokenOptions = {}): Promise<string> => {
    const client = clients.get(clientId);
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (tokenOptions.audience) {
      form.set("resource", tokenOptions.audience);
    }
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    const secret = tokenOptions.clientSecret ?? client?.clientSecret;
    if (client?.clientPrivateJwk && tokenOptions.clientSecret === undefined) {
      const alg = clientAlgorithm(client.clientPrivateJwk);
      // RFC 7523 §3: iss = sub = client; aud = the issuer (the form draft rfc7523bis settles on).
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime("60s")
        .sign(await importJWK(client.clientPrivateJwk, alg));
      form.set("client_id", clientId);
      form.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      form.set("client_assertion", assertion);
    } else if (client?.clientSecretMethod === "client_secret_post") {
      form.set("client_id", clientId);
      form.set("client_secret", secret ?? "");
    } else {
      const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret ?? "")}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
    }
    const response = await fetch(tokenEndpoint, { method: "POST", headers, body: form });
    const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!response.ok || !body.access_token) {
      throw new TokenRequestError(response.status, body.error ?? "unknown", body.error_description);
    }
    return body.access_token;
  };

  return {
    issuer,
    discoveryUri: `${issuer}/.well-known/openid-configuration`,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint,
    audience,
    algorithm,
    currentKid: () => keys[0]?.kid ?? "",
    publishedKids: () => published().map((key) => key.kid),
    token,
    // A provider's keys are fixed when it is built: a new one takes over the same listening socket,
    // so the issuer, its port and what it stored stay the same and no request meets a closed port.
    async rotate() {
      const signing = nextKey ?? (await newSigningJwk(algorithm));
      nextKey = undefined;
      keys.unshift(signing);
      handle = build().callback();
      return signing.kid;
    },
    async publishNextKey() {
      nextKey = await newSigningJwk(algorithm);
      handle = build().callback();
      return nextKey.kid;
    },
    async retireOldKeys() {
      keys.splice(1);
      handle = build().callback();
    },
    stop,
  };
}
