import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { type CryptoKey, decodeJwt, importJWK, type JWK, SignJWT } from "jose";
import { DomainError } from "../errors/errors.js";
import type { Logger } from "../logging/logger.js";

/**
 * How the client proves who it is at the token endpoint: a shared secret (client_secret_basic) or
 * a signed assertion (private_key_jwt, RFC 7523), which keeps no secret on the identity provider.
 */
export type ClientAuthentication =
  | { method: "client_secret_basic"; clientId: string; secret: () => string }
  | { method: "private_key_jwt"; clientId: string; privateJwk: JWK };

export interface ClientCredentialsOptions {
  tokenUrl: string;
  client: ClientAuthentication;
  /** The assertion's `aud`: the token endpoint by default, or the provider's issuer identifier. */
  assertionAudience?: string | undefined;
  scope?: string | undefined;
  /** RFC 8707 resource indicator, for providers that issue tokens per resource. */
  resource?: string | undefined;
  timeoutMs?: number;
  /** How long a refused client is answered from memory before the endpoint is asked again. */
  refusalHoldMs?: number;
  logger?: Logger | undefined;
  now?: () => number;
}

/** A token for the service's own identity; `refresh` when a resource refused the current one. */
export interface TokenSource {
  (): Promise<string>;
  refresh(): Promise<string>;
}

/** The identity provider could not be reached or answered nonsense: nothing the caller can fix. */
export class TokenEndpointUnavailableError extends DomainError {
  constructor(detail: string) {
    super("DEPENDENCY_UNAVAILABLE", "The identity provider did not issue the service's token", { detail });
  }
}

/** The provider refused this client (RFC 6749 §5.2): a configuration problem, not retried. */
export class ClientRefusedError extends DomainError {
  constructor(
    readonly error: string,
    readonly clientId: string,
  ) {
    super("DEPENDENCY_UNAVAILABLE", "The identity provider refused the service's client", { detail: error });
  }
}

const tokenResponse = (body: unknown): { accessToken: string; expiresIn: number | undefined } | undefined => {
  if (typeof body !== "object" || body === null) {
    return undefined;
  }
  const { access_token, token_type, expires_in } = body as Record<string, unknown>;
  if (typeof access_token !== "string" || access_token === "") {
    return undefined;
  }
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") {
    return undefined;
  }
  return { accessToken: access_token, expiresIn: typeof expires_in === "number" ? expires_in : undefined };
};

/**
 * When to ask again: at 80% of the lifetime or 60 s before expiry, whichever comes first, but not
 * before half of it has passed, so that a short-lived token is not asked for on every call.
 */
export function renewAfterSeconds(lifetimeSeconds: number): number {
  return Math.max(lifetimeSeconds / 2, Math.min(lifetimeSeconds * 0.8, lifetimeSeconds - 60));
}

function lifetimeOf(accessToken: string, expiresIn: number | undefined, nowSeconds: number): number {
  if (expiresIn !== undefined) {
    return expiresIn;
  }
  try {
    const { exp } = decodeJwt(accessToken);
    if (typeof exp === "number") {
      return exp - nowSeconds;
    }
  } catch {
    // An opaque token without expires_in: assume a short life.
  }
  return 60;
}

/** Which algorithm a client key signs with; the JWK's own `alg` when it names one. */
function algorithmOf(jwk: JWK): string {
  if (jwk.alg) {
    return jwk.alg;
  }
  if (jwk.kty === "OKP") {
    return "EdDSA";
  }
  if (jwk.kty === "EC") {
    return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[jwk.crv ?? ""] ?? "ES256";
  }
  return "RS256";
}

/** Reads a client's private JWK from a file (the `<PREFIX>_CLIENT_KEY_FILE` setting). */
export function readClientKeyFile(file: string): JWK {
  const jwk = JSON.parse(readFileSync(file, "utf8")) as JWK;
  if (!jwk.d) {
    throw new Error(`${file} must hold a private JWK`);
  }
  return jwk;
}

/**
 * An OAuth 2.0 client-credentials token source (RFC 6749 §4.4). The token is kept until shortly
 * before it expires; concurrent callers share one request; a refused client is not asked again
 * for `refusalHoldMs`, so that a wrong secret does not become a flood at the provider.
 */
export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const refusalHoldMs = options.refusalHoldMs ?? 30_000;
  const { client } = options;
  let signingKey: Promise<{ key: CryptoKey | Uint8Array; alg: string; kid: string | undefined }> | undefined;
  let cached: { token: string; renewAt: number; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let refused: { error: ClientRefusedError; until: number } | undefined;

  const assertion = async (): Promise<string> => {
    if (client.method !== "private_key_jwt") {
      throw new Error("no assertion for a secret");
    }
    signingKey ??= (async () => {
      const alg = algorithmOf(client.privateJwk);
      return { key: await importJWK(client.privateJwk, alg), alg, kid: client.privateJwk.kid };
    })();
    const { key, alg, kid } = await signingKey;
    const issuedAt = Math.floor(now() / 1000);
    // A fresh assertion per request: its jti lets the provider refuse a replayed one.
    return new SignJWT({})
      .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(options.assertionAudience ?? options.tokenUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 60)
      .setJti(randomUUID())
      .sign(key);
  };

  const request = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (options.scope) {
      form.set("scope", options.scope);
    }
    if (options.resource) {
      form.set("resource", options.resource);
    }
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (client.method === "client_secret_basic") {
      // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
      const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret())}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
    } else {
      form.set("client_id", client.clientId);
      form.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      form.set("client_assertion", await assertion());
    }
    const askedAt = now();
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(options.tokenUrl, {
        method: "POST",
        headers,
        body: form.toString(),
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.json().catch(() => undefined);
    } catch (error) {
      throw new TokenEndpointUnavailableError(`token endpoint unreachable: ${(error as Error).message}`);
    }
    if (response.status === 400 || response.status === 401) {
      const code = (body as { error?: unknown } | undefined)?.error;
      const error = new ClientRefusedError(
        typeof code === "string" ? code : `HTTP ${response.status}`,
        client.clientId,
      );
      refused = { error, until: now() + refusalHoldMs };
      options.logger?.error(
        { clientId: client.clientId, error: error.error, tokenUrl: options.tokenUrl },
        "the identity provider refused this service's client: check its client id and credentials",
      );
      throw error;
    }
    const parsed = response.ok ? tokenResponse(body) : undefined;
    if (!parsed) {
      throw new TokenEndpointUnavailableError(`token endpoint answered ${response.status} without a bearer token`);
    }
    const lifetime = lifetimeOf(parsed.accessToken, parsed.expiresIn, Math.floor(askedAt / 1000));
    cached = {
      token: parsed.accessToken,
      renewAt: askedAt + renewAfterSeconds(lifetime) * 1000,
      expiresAt: askedAt + lifetime * 1000,
    };
    refused = undefined;
    return parsed.accessToken;
  };

  const fetchOnce = (): Promise<string> => {
    if (refused && now() < refused.until) {
      return Promise.reject(refused.error);
    }
    inFlight ??= request().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const source = (async () => {
    if (cached && now() < cached.renewAt) {
      return cached.token;
    }
    const current = cached;
    try {
      return await fetchOnce();
    } catch (error) {
      // An early renewal that failed for want of the provider: the token held is still good.
      if (error instanceof TokenEndpointUnavailableError && current && now() < current.expiresAt - 5_000) {
        return current.token;
      }
      throw error;
    }
  }) as TokenSource;
  source.refresh = () => {
    cached = undefined;
    return fetchOnce();
  };
  return source;
}
