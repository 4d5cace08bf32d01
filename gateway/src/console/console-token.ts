import type { ServerResponse } from "node:http";
import { committedCatalogue } from "@spx/runtime/access";
import { refuseInProduction } from "@spx/runtime/config";
import { type RouteHandler, readBody } from "@spx/runtime/server";
import { mintToken, type SigningKey } from "@spx/runtime/tokens";
import { devCaller } from "../dev-caller.js";
import { sendOAuth } from "../dev-token-endpoint.js";
import { SIGN_IN_ROLES } from "./console-config.js";

/** Where the console's development sign-in picker gets its token, beside the registers' token endpoint. */
export const CONSOLE_TOKEN_PATH = "/dev-issuer/console-token";

const MAX_BODY_BYTES = 8 * 1024;

const invalid = (res: ServerResponse, description: string, headers = {}) =>
  sendOAuth(res, 400, { error: "invalid_request", error_description: description }, headers);

/**
 * The development issuer's sign-in for the console: the picker posts a grant (agency, role, region
 * or IDCS, purpose) and gets the token `npm run -s token` would print for the same arguments. Its
 * subject names the grant, never a person. A cross-site page cannot call it: JSON is not a
 * "simple" content type, so a browser asks first (CORS), and nothing here answers yes. Not served
 * in production, where people sign in at the identity provider.
 */
export function consoleTokenEndpoint(options: {
  issuerKey: () => Promise<SigningKey>;
  issuer: string;
  audience: string;
}): RouteHandler {
  refuseInProduction("The console's development sign-in", "the console signs in at CONSOLE_OIDC_ISSUER");
  return async (req, res) => {
    if (req.method !== "POST") {
      sendOAuth(res, 405, { error: "invalid_request", error_description: "POST only" }, { allow: "POST" });
      return;
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      invalid(res, "a JSON body (content-type: application/json) is expected");
      return;
    }
    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) {
      // The rest of the body is still on the wire: the connection cannot carry another request.
      sendOAuth(res, 413, { error: "invalid_request", error_description: "body too large" }, { connection: "close" });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      invalid(res, "the body is not valid JSON");
      return;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      invalid(res, "the body must be a JSON object");
      return;
    }
    const { agency, role, region, idcs, purpose, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      // Named back only by count: the caller's keys are the caller's text.
      invalid(res, `only agency, role, region, idcs and purpose are accepted (${unknown.length} other key(s) given)`);
      return;
    }
    if (typeof role !== "string" || !(SIGN_IN_ROLES as readonly string[]).includes(role)) {
      invalid(res, `role must be one of ${SIGN_IN_ROLES.join(", ")}`);
      return;
    }
    if (purpose === undefined || purpose === null || purpose === "") {
      invalid(res, "purpose is required: the console states it on every request");
      return;
    }
    const checked = devCaller(
      { agency: role === "CITIZEN" ? undefined : agency, role, region, idcs, purpose },
      (agencyCode, roleName) => `dev:console:${agencyCode.toLowerCase()}:${roleName.toLowerCase()}`,
    );
    if (!checked.ok) {
      invalid(res, checked.problems.join("; "));
      return;
    }
    if (!committedCatalogue().isGranted(checked.caller)) {
      invalid(res, "the catalogue grants this agency nothing under this role");
      return;
    }
    const accessToken = await mintToken(await options.issuerKey(), checked.caller, {
      issuer: options.issuer,
      audience: options.audience,
      ttlSeconds: checked.ttlSeconds,
    });
    sendOAuth(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: checked.ttlSeconds });
  };
}
