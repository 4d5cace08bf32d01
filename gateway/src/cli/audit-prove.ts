import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseEnv, port } from "@spx/runtime/config";
import { z } from "zod";
import { UnusableBundleError, verifyAccessBundle } from "../access-log/proof-bundle.js";
import { type VerifierKeys, verifierKeysOf } from "../access-log/published-keys.js";
import { isMain } from "./is-main.js";

/*
 * `npm run -s audit:prove -- --bundle <file|-> [--keys <JWKS file or URL>] [--witness <name>]…
 * [--person <IDCS>]…`: verifies an access-log proof bundle (`myDataAccess { entries { proof { bundle } } }`)
 * offline: the checkpoint's log signature and its witnesses' cosignatures with the published keys,
 * the entry's inclusion, and that the entry is about the person the bundle names. Prints what the
 * entry says. Exit 0 verified, 1 refused, 2 unusable (no bundle, no keys).
 */
const usage =
  "Usage: npm run -s audit:prove -- --bundle <file or -> [--keys <JWKS file or URL>] [--witness <name>]... [--person <IDCS>]...";

export interface CommandResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

class UsageError extends Error {}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

async function readKeys(source: string): Promise<VerifierKeys> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    try {
      const response = await fetch(source, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      text = await response.text();
    } catch (error) {
      throw new UsageError(`cannot fetch the keys from ${source}: ${(error as Error).message}`);
    }
  } else {
    try {
      text = readFileSync(source, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read the keys file ${source}: ${(error as Error).message}`);
    }
  }
  try {
    return verifierKeysOf(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}

const list = (items: readonly string[]) => (items.length > 0 ? items.join(", ") : "none");

/** The command without its process: arguments in, exit code and output out. */
export async function proveCommand(
  args: string[],
  options: { defaultKeysUrl: () => string; readStdin: () => Promise<string> },
): Promise<CommandResult> {
  let text: string;
  let keys: VerifierKeys;
  let witnesses: string[];
  let persons: string[];
  try {
    const { values } = parseArgs({
      args,
      options: {
        bundle: { type: "string" },
        keys: { type: "string" },
        witness: { type: "string", multiple: true },
        person: { type: "string", multiple: true },
      },
      strict: true,
    });
    if (!values.bundle) {
      throw new UsageError("give the bundle: --bundle <file>, or --bundle - to read it from standard input");
    }
    try {
      text = values.bundle === "-" ? await options.readStdin() : readFileSync(values.bundle, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read the bundle ${values.bundle}: ${(error as Error).message}`);
    }
    keys = await readKeys(values.keys ?? options.defaultKeysUrl());
    witnesses = values.witness ?? [];
    persons = values.person ?? [];
  } catch (error) {
    return { exitCode: 2, stdout: "", stderr: `${oneLine((error as Error).message)}\n${usage}\n` };
  }
  try {
    const verified = verifyAccessBundle(text, keys, { requiredWitnesses: witnesses, persons });
    const { entry, checkpoint } = verified;
    const cosigned = verified.cosignedBy.map((c) => `${c.name} at ${new Date(c.time * 1000).toISOString()}`);
    const lines = [
      `proof verified: the access log ${checkpoint.origin} holds this entry at index ${verified.index} of its tree of ${checkpoint.size}`,
      `checkpoint signed by ${keys.log.name}; cosigned by ${list(cosigned)}`,
      `at ${entry.at}: ${entry.agency ?? "(no agency)"} ${entry.role}, purpose ${entry.purpose}`,
      `kinds of data: ${list(entry.kinds)}`,
      `fields served: ${list(entry.served)}`,
      `fields refused: ${list(entry.refused)}`,
      `document: ${entry.documentId ?? entry.documentHash}`,
      `persons: ${entry.personCommitments.length}${verified.person ? `, among them ${verified.person}` : ""}${persons.length > 0 ? `, among them ${persons.join(", ")}` : ""}`,
      `entry id: ${entry.id}`,
    ];
    return { exitCode: 0, stdout: `${lines.join("\n")}\n`, stderr: "" };
  } catch (error) {
    if (error instanceof UnusableBundleError) {
      return { exitCode: 2, stdout: "", stderr: `${oneLine(error.message)}\n${usage}\n` };
    }
    return { exitCode: 1, stdout: "", stderr: `proof refused: ${oneLine((error as Error).message)}\n` };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

if (isMain(import.meta.url)) {
  const result = await proveCommand(process.argv.slice(2), {
    // Only the gateway's port: the rest of its configuration is no business of a verifier.
    defaultKeysUrl: () =>
      `http://127.0.0.1:${parseEnv(z.object({ GATEWAY_PORT: port(4000) })).GATEWAY_PORT}/.well-known/jwks.json`,
    readStdin,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
