import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "@spx/runtime/config";
import { devTokenSecret, InternalTokenSigner, parseTokenSecret } from "@spx/runtime/tokens";
import { z } from "zod";

/**
 * The gateway's master secret of its tokens to the registers: each register's key is derived from
 * it (token-keys.ts), and the token-key CLI prints a register's. Read by the gateway's settings and
 * by the CLI alike, so that both derive the same keys.
 */
const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

export const tokenSecretFields = {
  GATEWAY_TOKEN_SECRET: optionalText,
  GATEWAY_TOKEN_SECRET_FILE: optionalText,
};

export type TokenSecretSource = { value: string } | { file: string } | undefined;

interface RawTokenSecret {
  NODE_ENV: string;
  GATEWAY_TOKEN_SECRET?: string | undefined;
  GATEWAY_TOKEN_SECRET_FILE?: string | undefined;
}

/** Both set, neither in production, or a value too short: each told, the secret never quoted. */
export function checkTokenSecret(env: RawTokenSecret, ctx: z.RefinementCtx): void {
  const issue = (setting: string, message: string) => ctx.addIssue({ code: "custom", path: [setting], message });
  if (env.GATEWAY_TOKEN_SECRET && env.GATEWAY_TOKEN_SECRET_FILE) {
    issue("GATEWAY_TOKEN_SECRET_FILE", "set GATEWAY_TOKEN_SECRET or GATEWAY_TOKEN_SECRET_FILE, not both");
  }
  if (env.NODE_ENV === "production" && !env.GATEWAY_TOKEN_SECRET && !env.GATEWAY_TOKEN_SECRET_FILE) {
    issue(
      "GATEWAY_TOKEN_SECRET_FILE",
      "required in production (or GATEWAY_TOKEN_SECRET): the secret the registers' token keys derive from (base64url, at least 32 bytes), never generated",
    );
  }
  if (env.GATEWAY_TOKEN_SECRET) {
    try {
      parseTokenSecret(env.GATEWAY_TOKEN_SECRET, "GATEWAY_TOKEN_SECRET");
    } catch (error) {
      issue("GATEWAY_TOKEN_SECRET", (error as Error).message.replace(/^GATEWAY_TOKEN_SECRET: /, ""));
    }
  }
}

export function tokenSecretOf(raw: RawTokenSecret): TokenSecretSource {
  return raw.GATEWAY_TOKEN_SECRET
    ? { value: raw.GATEWAY_TOKEN_SECRET }
    : raw.GATEWAY_TOKEN_SECRET_FILE
      ? { file: raw.GATEWAY_TOKEN_SECRET_FILE }
      : undefined;
}

/**
 * The signer of the gateway's tokens: from GATEWAY_TOKEN_SECRET or its file, the development
 * secret under DATA_DIR otherwise (created there race-safely; refused in production).
 */
export function gatewayTokenSigner(env: { tokenSecret: TokenSecretSource; dataDir: string }): InternalTokenSigner {
  const source = env.tokenSecret;
  if (!source) {
    return new InternalTokenSigner(devTokenSecret(env.dataDir));
  }
  const secret =
    "value" in source
      ? parseTokenSecret(source.value, "GATEWAY_TOKEN_SECRET")
      : parseTokenSecret(readFileSync(source.file, "utf8"), "GATEWAY_TOKEN_SECRET_FILE");
  return new InternalTokenSigner(secret);
}

/** Only the secret's settings (the token-key CLI): the rest of the gateway's need not be there. */
export function tokenSecretEnv(source?: Record<string, string | undefined>) {
  const raw = parseEnv(
    z
      .object({
        NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
        DATA_DIR: z.string().default("./.data"),
        ...tokenSecretFields,
      })
      .superRefine(checkTokenSecret),
    source,
  );
  return { tokenSecret: tokenSecretOf(raw), dataDir: path.resolve(raw.DATA_DIR) };
}
