import * as oauth from "oauth4webapi";
import type { OidcConfig } from "../app/console-config.js";

/*
 * Signing in at the identity provider (production): OpenID Connect authorization code with PKCE
 * (RFC 7636, S256), a fresh state and nonce per attempt, the code exchanged at the token endpoint
 * by the browser as a public client (no secret can be kept in a browser). oauth4webapi does the
 * protocol (discovery, the checks of the authorization and token responses: state, iss, nonce, the
 * ID token's claims); this module keeps what must survive the round trip to the provider in
 * sessionStorage (never localStorage: it ends with the tab), once, and turns every failure into a
 * typed OidcLoginError the login page can explain.
 */

/** The console's client at the provider, as `/console/config.json` names it. */
export type { OidcConfig };

/** What a completed sign-in gives the session. */
export interface OidcLogin {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The purpose chosen before signing in: the console sends it as X-Purpose on every request. */
  purpose: string;
}

export type OidcLoginErrorCode =
  /** The provider's discovery document could not be fetched or is not the issuer's. */
  | "discovery_failed"
  /** Back at the callback with no sign-in started in this tab (or it was already completed). */
  | "no_pending_login"
  /** The answer does not belong to the sign-in this tab started (state or issuer differ). */
  | "state_mismatch"
  /** The provider answered with an error, e.g. the person refused (`access_denied`). */
  | "authorization_denied"
  /** The code could not be exchanged for tokens, or the tokens failed their checks. */
  | "token_exchange_failed";

export class OidcLoginError extends Error {
  constructor(
    readonly code: OidcLoginErrorCode,
    message: string,
    /** The provider's own error code (`access_denied`, `invalid_grant`…), when it gave one. */
    readonly providerError?: string,
  ) {
    super(message);
    this.name = "OidcLoginError";
  }
}

/** What the callback needs from the start: one sign-in at a time per tab. */
interface PendingLogin {
  issuer: string;
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
  state: string;
  nonce: string | null;
  purpose: string;
}

const PENDING_KEY = "spx.console.oidc.pending";

/** Plain http only for a provider on this machine (development and tests); https everywhere else. */
function requestOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback = issuer.hostname === "127.0.0.1" || issuer.hostname === "localhost" || issuer.hostname === "[::1]";
  return issuer.protocol === "http:" && loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(oidc: OidcConfig): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(oidc.issuer);
  try {
    const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...requestOptions(issuer) });
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    throw new OidcLoginError(
      "discovery_failed",
      `The identity provider ${issuer.origin} could not be reached: ${describe(error)}`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether the scope asks for OpenID Connect (an ID token, hence a nonce). */
const asksOpenId = (scope: string) => scope.split(/\s+/).includes("openid");

/**
 * Sends the browser to the provider's authorization endpoint. Resolves only if the navigation
 * does not happen; on return, the provider redirects to `redirectUri` (`/login/callback`).
 */
export async function startOidcLogin(oidc: OidcConfig, purpose: string): Promise<void> {
  const as = await discover(oidc);
  if (!as.authorization_endpoint) {
    throw new OidcLoginError("discovery_failed", "The identity provider names no authorization endpoint");
  }
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const pending: PendingLogin = {
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    redirectUri: oidc.redirectUri,
    codeVerifier,
    state: oauth.generateRandomState(),
    nonce: asksOpenId(oidc.scope) ? oauth.generateRandomNonce() : null,
    purpose,
  };
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", oidc.clientId);
  url.searchParams.set("redirect_uri", oidc.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", oidc.scope);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", pending.state);
  if (pending.nonce) {
    url.searchParams.set("nonce", pending.nonce);
  }
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.href);
}

function takePending(oidc: OidcConfig): PendingLogin {
  const stored = sessionStorage.getItem(PENDING_KEY);
  // Used once: a reload of the callback, or a second tab, cannot replay the exchange.
  sessionStorage.removeItem(PENDING_KEY);
  if (!stored) {
    throw new OidcLoginError("no_pending_login", "No sign-in was started in this tab, or it was already completed");
  }
  let pending: PendingLogin;
  try {
    pending = JSON.parse(stored) as PendingLogin;
  } catch {
    throw new OidcLoginError("no_pending_login", "The sign-in in progress could not be read");
  }
  if (
    pending.issuer !== oidc.issuer ||
    pending.clientId !== oidc.clientId ||
    pending.redirectUri !== oidc.redirectUri
  ) {
    throw new OidcLoginError("state_mismatch", "The sign-in was started for another identity provider or client");
  }
  return pending;
}

/**
 * Completes the sign-in on the provider's redirect back to `/login/callback`: checks the answer
 * against what this tab started, exchanges the code (with the PKCE verifier) at the token endpoint
 * and returns the access token with its expiry and the purpose chosen at the start. The caller
 * keeps the token (sessionStorage) and should take the code out of the address bar.
 */
export async function completeOidcLogin(oidc: OidcConfig, currentUrl: URL): Promise<OidcLogin> {
  const pending = takePending(oidc);
  const as = await discover(oidc);
  const client: oauth.Client = { client_id: oidc.clientId };
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, client, currentUrl, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new OidcLoginError(
        "authorization_denied",
        error.error_description ?? `The identity provider refused the sign-in (${error.error})`,
        error.error,
      );
    }
    throw new OidcLoginError(
      "state_mismatch",
      `The identity provider's answer does not match this sign-in: ${describe(error)}`,
    );
  }
  const issuer = new URL(oidc.issuer);
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      parameters,
      oidc.redirectUri,
      pending.codeVerifier,
      requestOptions(issuer),
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      ...(pending.nonce ? { expectedNonce: pending.nonce, requireIdToken: true } : {}),
    });
    if (tokens.token_type.toLowerCase() !== "bearer") {
      throw new Error(`unexpected token type ${tokens.token_type}`);
    }
    // Without expires_in the token's own lifetime is unknown: the gateway's shortest (15 min) is assumed.
    const expiresIn = tokens.expires_in ?? 900;
    return { accessToken: tokens.access_token, expiresAt: Date.now() + expiresIn * 1000, purpose: pending.purpose };
  } catch (error) {
    if (error instanceof OidcLoginError) {
      throw error;
    }
    const providerError = error instanceof oauth.ResponseBodyError ? error.error : undefined;
    throw new OidcLoginError(
      "token_exchange_failed",
      `The sign-in could not be completed at the identity provider: ${describe(error)}`,
      providerError,
    );
  }
}
