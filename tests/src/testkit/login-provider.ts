import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientMetadata, Configuration } from "oidc-provider";
import { loadProvider, memoryAdapter, newSigningJwk } from "./identity-provider.js";

/*
 * A real OpenID provider where people sign in (panva's oidc-provider, tests only): the console's
 * public client, authorization code with PKCE required (oidc-provider requires it of clients
 * without a secret), access tokens as RFC 9068 JWTs for the gateway's audience, carrying the
 * signed-in account's claims. Its login page is a plain form of this file's own, the consent
 * given at once: oidc-provider's development pages (devInteractions) load Google Fonts, which the
 * browser kit rightly refuses. A login name of `accounts` signs in, whatever the password.
 */

const LOGIN_PAGE = (uid: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Identity provider: sign in</title></head>
<body><main><h1>Sign in</h1>
<form method="post" action="/interaction/${uid}/login">
<label>Login <input name="login" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form></main></body></html>`;

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export interface LoginProvider {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  issuer: string;
  jwksUri: string;
  /** The `aud` of its access tokens. */
  audience: string;
  algorithm: "ES256";
  clientId: string;
  stop(): Promise<void>;
}

export interface LoginProviderOptions {
  clientId: string;
  /** The consoles' `/login/callback`s; asked at each request, so that they may be known after the provider starts. */
  redirectUris: () => string[];
  /** Claims added to the access token of each login name (e.g. role and IDCS for a citizen). */
  accounts: Record<string, Record<string, unknown>>;
  audience?: string;
  accessTokenTtlSeconds?: number;
}

/** Starts the provider on 127.0.0.1 and a free port; stop it with `stop()`. */
export async function startLoginProvider(options: LoginProviderOptions): Promise<LoginProvider> {
  const audience = options.audience ?? "urn:spx:gateway";
  const ttl = options.accessTokenTtlSeconds ?? 600;
  const { default: ProviderClass, errors } = await loadProvider();
  const client = (): ClientMetadata => ({
    client_id: options.clientId,
    application_type: "web",
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code"],
    response_types: ["code"],
    redirect_uris: options.redirectUris(),
    id_token_signed_response_alg: "ES256",
  });
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => (handle ? handle(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = async () => {
    handle = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  try {
    const key = await newSigningJwk("ES256");
    const configuration: Configuration = {
      jwks: { keys: [key] },
      adapter: memoryAdapter(() => [client()]),
      findAccount: (_ctx, sub) => (sub in options.accounts ? { accountId: sub, claims: () => ({ sub }) } : undefined),
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            if (indicator !== audience) {
              throw new errors.InvalidTarget();
            }
            return {
              scope: "",
              audience,
              accessTokenFormat: "jwt",
              accessTokenTTL: ttl,
              jwt: { sign: { alg: "ES256" } },
            };
          },
        },
      },
      // The console is a public client: only its own origin may call the token endpoint.
      clientBasedCORS: (_ctx, origin, found) =>
        found.redirectUris?.some((uri: string) => new URL(uri).origin === origin) ?? false,
      extraTokenClaims: (_ctx, token) => {
        const accountId = (token as { accountId?: string }).accountId;
        return accountId ? options.accounts[accountId] : undefined;
      },
      ttl: { AccessToken: ttl, IdToken: ttl, Interaction: 600, Session: 3600, Grant: 3600 },
    };
    const provider = new ProviderClass(issuer, configuration);
    const callback = provider.callback();
    const interaction = async (req: IncomingMessage, res: ServerResponse) => {
      const details = await provider.interactionDetails(req, res);
      if (req.method === "POST" && details.prompt.name === "login") {
        const login = (await formOf(req)).get("login") ?? "";
        if (!(login in options.accounts)) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(LOGIN_PAGE(details.uid));
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      if (details.prompt.name === "consent") {
        // Consent as a person would give it: what the console asked for, nothing more.
        const grant = new provider.Grant({ accountId: details.session?.accountId ?? "", clientId: options.clientId });
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (missing.missingOIDCScope) {
          grant.addOIDCScope(missing.missingOIDCScope.join(" "));
        }
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(" "));
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(LOGIN_PAGE(details.uid));
    };
    handle = (req, res) => {
      if (req.url?.startsWith("/interaction/")) {
        interaction(req, res).catch(() => {
          if (!res.headersSent) {
            res.writeHead(400, { "content-type": "text/plain" }).end("interaction failed");
          }
        });
        return;
      }
      callback(req, res);
    };
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    audience,
    algorithm: "ES256",
    clientId: options.clientId,
    stop,
  };
}
