import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DEV_CLIENTS, devClientSecret, isDevClient } from "@spx/runtime/clients";
import { refuseInProduction } from "@spx/runtime/config";
import { type RouteHandler, readBody } from "@spx/runtime/server";
import type { SigningKey } from "@spx/runtime/tokens";
import { mintToken } from "@spx/runtime/tokens";

/** Where the development issuer's token endpoint is served, beside /graphql. */
export const DEV_TOKEN_PATH = "/dev-issuer/token";

/** Client-credentials tokens live a few minutes, as a real provider's do (oidc-provider: 10 min). */
const TOKEN_TTL_SECONDS = 300;
const MAX_FORM_BYTES = 8 * 1024;

/** A token endpoint's JSON answer, never cached (also the console's development sign-in). */
export function sendOAuth(res: ServerResponse, status: number, body: Record<string, unknown>, headers = {}): void {
  const text = JSON.stringify(body);
  // RFC 6749 §5.1: token responses are never cached.
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    pragma: "no-cache",
    ...headers,
  });
  res.end(text);
}

/** The client's id and secret from HTTP Basic (RFC 6749 §2.3.1) or the form (client_secret_post). */
function credentialsOf(req: IncomingMessage, form: URLSearchParams): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (header?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      return undefined;
    }
    try {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    } catch {
      return undefined;
    }
  }
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return id && secret ? { id, secret } : undefined;
}

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The development issuer's OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4) for the
 * registers' clients, so that a register gets its identity in development exactly as it does from
 * the identity provider in production. Not served in production.
 */
export function devTokenEndpoint(options: {
  issuerKey: () => Promise<SigningKey>;
  issuer: string;
  audience: string;
  dataDir: string;
}): RouteHandler {
  refuseInProduction("The development token endpoint", "registers get their tokens from TOKEN_URL");
  return async (req, res) => {
    if (req.method !== "POST") {
      sendOAuth(res, 405, { error: "invalid_request", error_description: "POST only" }, { allow: "POST" });
      return;
    }
    if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
      sendOAuth(res, 400, { error: "invalid_request", error_description: "form-encoded body expected" });
      return;
    }
    const body = await readBody(req, MAX_FORM_BYTES);
    if (body === undefined) {
      // The rest of the body is still on the wire: the connection cannot carry another request.
      sendOAuth(res, 400, { error: "invalid_request", error_description: "body too large" }, { connection: "close" });
      return;
    }
    const form = new URLSearchParams(body);
    const credentials = credentialsOf(req, form);
    const valid =
      credentials !== undefined &&
      isDevClient(credentials.id) &&
      sameSecret(credentials.secret, devClientSecret(options.dataDir, credentials.id));
    if (!valid) {
      // RFC 6749 §5.2: 401 with a challenge when the client tried HTTP Basic.
      sendOAuth(
        res,
        401,
        { error: "invalid_client", error_description: "client authentication failed" },
        { "www-authenticate": 'Basic realm="dev-issuer"' },
      );
      return;
    }
    if (form.get("grant_type") !== "client_credentials") {
      sendOAuth(res, 400, { error: "unsupported_grant_type" });
      return;
    }
    const identity = DEV_CLIENTS[credentials.id as keyof typeof DEV_CLIENTS];
    const accessToken = await mintToken(await options.issuerKey(), identity, {
      issuer: options.issuer,
      audience: options.audience,
      ttlSeconds: TOKEN_TTL_SECONDS,
    });
    sendOAuth(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: TOKEN_TTL_SECONDS });
  };
}
