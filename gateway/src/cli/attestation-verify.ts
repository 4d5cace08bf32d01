import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseEnv, port } from "@spx/runtime/config";
import { ATTESTATION_ISSUER, AttestationError, verifyAttestation } from "@spx/runtime/tokens";
import { createRemoteJWKSet, decodeProtectedHeader, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { isMain } from "./is-main.js";

/*
 * Verifies an eligibility attestation and prints the statement it makes as one JSON object, and
 * nothing else, so that `npm run -s attestation:verify -- "$JWS" | jq .eligible` works. With a JWKS
 * file it needs no network at all.
 */
const usage = "Usage: npm run -s attestation:verify -- <jws> [--jwks <file path or URL>]";

export interface CommandResult {
  /** 0 verified, 1 refused, 2 wrong usage. */
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

class UsageError extends Error {}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

function keysFrom(jwks: string): JWTVerifyGetKey | JSONWebKeySet {
  if (/^https?:\/\//i.test(jwks)) {
    return createRemoteJWKSet(new URL(jwks));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(jwks, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read the JWKS file ${jwks}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new UsageError(`${jwks} is not a JWKS (an object with a "keys" array)`);
  }
  return parsed as JSONWebKeySet;
}

/** The command without its process: arguments in, exit code and output out. */
export async function verifyAttestationCommand(
  args: string[],
  options: { defaultJwksUrl: () => string; now?: Date },
): Promise<CommandResult> {
  let jws: string;
  let source: string;
  let keys: JWTVerifyGetKey | JSONWebKeySet;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { jwks: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || !positionals[0]) {
      throw new UsageError("give exactly one attestation (a compact JWS)");
    }
    jws = positionals[0].trim();
    source = values.jwks ?? options.defaultJwksUrl();
    keys = keysFrom(source);
  } catch (error) {
    return { exitCode: 2, stdout: "", stderr: `${oneLine((error as Error).message)}\n${usage}\n` };
  }
  try {
    const claims = await verifyAttestation(jws, keys, {
      issuer: ATTESTATION_ISSUER,
      ...(options.now ? { now: options.now } : {}),
    });
    const statement = {
      idcs: claims.sub,
      program: claims.program,
      eligible: claims.eligible,
      asOf: new Date(claims.iat * 1000).toISOString(),
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      issuer: claims.iss,
      // Verified with the signature: the key that signed is the one the header names.
      keyId: decodeProtectedHeader(jws).kid,
    };
    return { exitCode: 0, stdout: `${JSON.stringify(statement)}\n`, stderr: "" };
  } catch (error) {
    let reason =
      error instanceof AttestationError
        ? `${error.code}: ${error.message}`
        : `UNVERIFIABLE: ${(error as Error).message}`;
    if (error instanceof AttestationError && error.code === "KEYS_UNAVAILABLE") {
      reason += ` (${source})`;
    }
    return { exitCode: 1, stdout: "", stderr: `attestation refused: ${oneLine(reason)}\n` };
  }
}

if (isMain(import.meta.url)) {
  const result = await verifyAttestationCommand(process.argv.slice(2), {
    // Only the gateway's port: the rest of its configuration is no business of a verifier.
    defaultJwksUrl: () =>
      `http://127.0.0.1:${parseEnv(z.object({ GATEWAY_PORT: port(4000) })).GATEWAY_PORT}/.well-known/jwks.json`,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
