import { tokenKeyEntry } from "@spx/runtime/tokens";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { SUBGRAPH_NAME as ACCESS_LOG } from "../access-log/schema.js";
import { loadSupergraph } from "../supergraph.js";
import { gatewayTokenSigner, tokenSecretEnv } from "../token-secret.js";
import { isMain } from "./is-main.js";

/*
 * Prints a register's key of the gateway's tokens, and nothing else, as that register's
 * GATEWAY_TOKEN_KEYS entry: `npm run -s token-key -- population`. It reads the gateway's secret
 * settings (GATEWAY_TOKEN_SECRET or its file; the development secret otherwise), so that a
 * rotation is: print the entry under the new secret, add it beside the register's old one, switch
 * the gateway, then drop the old entry.
 */
const usage = "Usage: npm run -s token-key -- <register>";

export function tokenKeyCommand(
  args: string[],
  source?: Record<string, string | undefined>,
): { stdout: string; stderr: string; exitCode: number } {
  const registers = loadSupergraph(SUPERGRAPH_FILE)
    .subgraphs.map((subgraph) => subgraph.name)
    .filter((name) => name !== ACCESS_LOG);
  const [register, ...rest] = args;
  if (!register || rest.length > 0 || !registers.includes(register)) {
    return { stdout: "", stderr: `${usage}\n(one of ${registers.join(", ")})\n`, exitCode: 2 };
  }
  try {
    const entry = tokenKeyEntry(gatewayTokenSigner(tokenSecretEnv(source)).registerKey(register));
    return { stdout: `${entry}\n`, stderr: "", exitCode: 0 };
  } catch (error) {
    // The messages name settings and files, never the secret.
    return { stdout: "", stderr: `${(error as Error).message}\n${usage}\n`, exitCode: 2 };
  }
}

if (isMain(import.meta.url)) {
  const result = tokenKeyCommand(process.argv.slice(2));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
